// Building a run's data, model and optimizer from its configuration, with errors that say which
// flag to change when the pieces do not fit together (e.g. E1 on 3-channel images).
#include "apps/contrast/setup.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops.h"
#include "data/resolve.h"
#include "nn/linear.h"
#include "nn/resnet.h"

namespace ct::app {

RunData load_run_data(const RunConfig& c) {
    RunData d;
    ImageFolderOptions train_images, test_images;   // the limits: evenly spaced, as load_dataset picks
    train_images.limit = c.train_limit;
    test_images.limit = c.test_limit;
    d.train = load_dataset(c.data, Split::Train, c.data_dir, train_images);
    d.test = load_dataset(c.data, Split::Test, c.data_dir, test_images);
    if (d.train.channels == 1) {
        d.mean = {0.1307f};   // the MNIST statistics everyone uses
        d.std = {0.3081f};
    } else {
        d.mean = {0.4914f, 0.4822f, 0.4465f};   // CIFAR-10 training-set statistics
        d.std = {0.2470f, 0.2435f, 0.2616f};
    }
    if (int64_t(d.mean.size()) != d.train.channels) {
        d.mean.assign(size_t(d.train.channels), 0.5f);
        d.std.assign(size_t(d.train.channels), 0.25f);
    }
    return d;
}

Transform eval_transform(const RunData& d) { return transforms::normalize(d.mean, d.std); }

std::vector<Transform> train_views(const RunConfig& c, const RunData& d) {
    const Transform norm = transforms::normalize(d.mean, d.std);
    const bool gray = d.train.channels == 1;
    if (c.method == "simclr" || c.method == "supcon") {
        const Transform aug = gray ? transforms::compose({transforms::random_resized_crop(d.train.height, {0.3f, 1.f}),
                                                          transforms::random_affine(10.f)})
                                   : transforms::simclr_augment(d.train.height, c.color_strength);
        return transforms::two_views(transforms::compose({aug, norm}));
    }
    if (!c.augment) return {norm};
    const Transform aug = gray ? transforms::mnist_augment()
                               : transforms::compose({transforms::random_resized_crop(d.train.height, {0.6f, 1.f}),
                                                      transforms::random_horizontal_flip()});
    return {transforms::compose({aug, norm})};
}

namespace {

nn::ModulePtr make_encoder(const RunConfig& c, const Dataset& train, int64_t out_dim, int64_t& features,
                           Generator& gen) {
    const std::string shape = std::to_string(train.channels) + "x" + std::to_string(train.height) + "x" +
                              std::to_string(train.width);
    if (c.model == "e1") {
        CT_CHECK_AS(ValueError, train.channels == 1 && train.height == 28 && train.width == 28,
                    "--model e1 takes 1x28x28 images (MNIST); " << c.data << " has " << shape
                                                                << ": use --model e2 or resnet18");
        features = out_dim;
        return nn::make_e1(out_dim, gen);
    }
    CT_CHECK_AS(ValueError, train.channels == 3,
                "--model " << c.model << " takes 3-channel images (CIFAR); " << c.data << " has " << shape
                           << ": use --model e1");
    if (c.model == "e2") {
        features = 4 * c.width;
        return nn::make_e2(c.width, gen);
    }
    auto resnet = std::make_shared<nn::ResNetCifar>(c.width, gen);
    features = resnet->out_features();
    return resnet;
}

}  // namespace

Model build_model(const RunConfig& c, const Dataset& train, Generator& gen) {
    Model m;
    int64_t features = 0;
    if (c.method == "siamese" || c.method == "triplet") {
        nn::ModulePtr encoder = make_encoder(c, train, c.embedding_dim, features, gen);
        if (c.model != "e1")   // E2 and the ResNet end in features: add the embedding layer
            encoder = std::make_shared<nn::Sequential>(std::vector<nn::ModulePtr>{
                encoder, std::make_shared<nn::Linear>(features, c.embedding_dim, gen)});
        m.net = c.method == "siamese" ? std::make_shared<nn::SiameseNet>(encoder) : encoder;
        m.normalize_output = c.method == "triplet";
        return m;
    }
    nn::ModulePtr encoder = make_encoder(c, train, c.embedding_dim, features, gen);
    nn::ModulePtr head = c.method == "classifier"
                             ? nn::ModulePtr(std::make_shared<nn::Linear>(features, train.num_classes(), gen))
                             : nn::ModulePtr(nn::make_projection_head(features, features, c.embedding_dim, gen));
    m.with_head = std::make_shared<nn::EncoderProjector>(encoder, head);
    m.net = m.with_head;
    return m;
}

Tensor Model::embed(const Tensor& x) const {
    if (with_head) return with_head->representation(x);
    Tensor e = (*net)(x);
    return normalize_output ? normalize(e, 1) : e;
}

Tensor Model::train_output(const Tensor& x) const {
    Tensor e = (*net)(x);
    return normalize_output ? normalize(e, 1) : e;
}

std::unique_ptr<nn::Optimizer> build_optimizer(const RunConfig& c, const nn::Module& net) {
    const nn::NamedTensors params = net.named_parameters();
    if (c.optimizer == "sgd") {
        nn::SGDOptions o;
        o.lr = c.lr;
        o.momentum = c.momentum;
        o.weight_decay = c.weight_decay;
        return std::make_unique<nn::SGD>(params, o);
    }
    if (c.optimizer == "adam" || c.optimizer == "adamw") {
        nn::AdamOptions o;
        o.lr = c.lr;
        o.weight_decay = c.weight_decay;
        if (c.optimizer == "adamw") return std::make_unique<nn::AdamW>(params, o);
        return std::make_unique<nn::Adam>(params, o);
    }
    if (c.optimizer == "lars") {
        nn::LARSOptions o;
        o.lr = c.lr;
        o.momentum = c.momentum;
        o.weight_decay = c.weight_decay;
        return std::make_unique<nn::LARS>(params, o);
    }
    CT_THROW(ValueError, "--optimizer " << c.optimizer << " is not one of: sgd, adam, adamw, lars");
}

nn::LrSchedule build_schedule(const RunConfig& c, int64_t steps_per_epoch) {
    const int64_t total = std::max<int64_t>(1, c.epochs * steps_per_epoch);
    std::string name = c.schedule;   // the CLI spells warmup-cosine, nn/schedule.h warmup_cosine
    std::replace(name.begin(), name.end(), '-', '_');
    return nn::LrSchedule::parse(name, total, c.warmup_epochs * steps_per_epoch,
                                 std::max<int64_t>(1, total / 3));
}

Tensor embed_dataset(const Model& m, const Dataset& data, const Transform& transform, int64_t batch) {
    NoGradGuard no_grad;
    const bool was_training = m.net->is_training();
    m.net->eval();
    std::vector<Tensor> parts;
    Generator unused(0);   // normalisation draws nothing
    for (int64_t start = 0; start < data.size(); start += batch) {
        const int64_t n = std::min(batch, data.size() - start);
        std::vector<Tensor> images;
        for (int64_t i = start; i < start + n; ++i) images.push_back(transform(data.image(i), unused));
        parts.push_back(m.embed(stack(images, 0)));
    }
    m.net->train(was_training);
    return cat(parts, 0);
}

}  // namespace ct::app
