// Building a run's data, model and optimizer from its configuration, with errors that say which
// flag to change when the pieces do not fit together (e.g. E1 on 3-channel images).
#include "apps/contrast/setup.h"

#include <algorithm>
#include <cmath>

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

std::vector<Transform> mild_views(const RunConfig& c, const RunData& d) {
    const Transform norm = transforms::normalize(d.mean, d.std);
    if (!c.augment) return {norm};
    const Transform aug = d.train.channels == 1
                              ? transforms::mnist_augment()
                              : transforms::compose({transforms::random_resized_crop(d.train.height, {0.6f, 1.f}),
                                                     transforms::random_horizontal_flip()});
    return {transforms::compose({aug, norm})};
}

std::vector<Transform> two_strong_views(const RunConfig& c, const RunData& d) {
    const Transform norm = transforms::normalize(d.mean, d.std);
    const Transform aug = d.train.channels == 1
                              ? transforms::compose({transforms::random_resized_crop(d.train.height, {0.3f, 1.f}),
                                                     transforms::random_affine(10.f)})
                              : transforms::simclr_augment(d.train.height, c.color_strength, c.crop_scale);
    return transforms::two_views(transforms::compose({aug, norm}));
}

nn::ModulePtr make_encoder(const RunConfig& c, const Dataset& train, int64_t out_dim, int64_t& features,
                           Generator& gen) {
    const std::string shape = std::to_string(train.channels) + "x" + std::to_string(train.height) + "x" +
                              std::to_string(train.width);
    CT_CHECK_AS(ValueError, c.model != "transformer",
                "--model transformer encodes sentences: use it with --method simcse|sts-regression --data stsb");
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

nn::ModulePtr make_embedding_net(const RunConfig& c, const Dataset& train, Generator& gen) {
    int64_t features = 0;
    nn::ModulePtr encoder = make_encoder(c, train, c.embedding_dim, features, gen);
    if (c.model == "e1") return encoder;
    // E2 and the ResNet end in features: add the embedding layer
    return std::make_shared<nn::Sequential>(
        std::vector<nn::ModulePtr>{encoder, std::make_shared<nn::Linear>(features, c.embedding_dim, gen)});
}

Model make_encoder_with_head(const RunConfig& c, const Dataset& train, Generator& gen,
                             const std::function<nn::ModulePtr(int64_t features)>& make_head) {
    int64_t features = 0;
    nn::ModulePtr encoder = make_encoder(c, train, c.embedding_dim, features, gen);
    Model m;
    m.with_head = std::make_shared<nn::EncoderProjector>(encoder, make_head(features));
    m.net = m.with_head;
    return m;
}

namespace {

// The network's own tensors and children under their own names (so the file reads like the
// network's state_dict), and the method's extras as the child "method".
class Checkpointed : public nn::Module {
public:
    Checkpointed(const nn::ModulePtr& net, const nn::ModulePtr& extras) {
        for (const auto& [name, t] : net->named_parameters())
            if (name.find('.') == std::string::npos) register_parameter(name, t);
        for (const auto& [name, t] : net->named_buffers())
            if (name.find('.') == std::string::npos) register_buffer(name, t);
        for (const auto& [name, child] : net->named_children()) register_module(name, child);
        register_module("method", extras);
    }
    Tensor forward(const Tensor&) override { CT_THROW(ValueError, "checkpointed: a checkpoint view has no forward"); }
    std::string type_name() const override { return "Checkpointed"; }
};

}  // namespace

nn::ModulePtr checkpointed(const nn::ModulePtr& net, const nn::ModulePtr& extras) {
    if (!extras) return net;
    return std::make_shared<Checkpointed>(net, extras);
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

void check_finite_weights(const nn::Module& saved, const std::string& path) {
    for (const auto& [name, t] : saved.state_dict()) {
        const Tensor& c = t;
        const float* p = c.data();
        int64_t bad = 0;
        for (int64_t i = 0; i < c.numel(); ++i) bad += !std::isfinite(p[i]);
        CT_CHECK_AS(IoError, bad == 0,
                    path << ": tensor '" << name << "' holds " << bad << " NaN or infinite values of " << c.numel()
                         << ": the weights are unusable (did the run diverge? try an earlier checkpoint or a lower --lr)");
    }
}

std::vector<nn::ParamGroup> param_groups(const RunConfig& c, const nn::Module& net, const nn::ModulePtr& extras,
                                         float extras_lr_mult) {
    std::vector<nn::ParamGroup> groups{nn::ParamGroup{net.named_parameters()}};
    if (!extras || extras->named_parameters().empty()) return groups;
    nn::ParamGroup g;
    for (const auto& [name, t] : extras->named_parameters()) g.params.emplace_back("method." + name, t);
    g.lr = c.lr * extras_lr_mult;   // schedules scale it like the network's (initial_lr)
    groups.push_back(std::move(g));
    return groups;
}

std::unique_ptr<nn::Optimizer> build_optimizer(const RunConfig& c, std::vector<nn::ParamGroup> groups) {
    if (c.optimizer == "sgd") {
        nn::SGDOptions o;
        o.lr = c.lr;
        o.momentum = c.momentum;
        o.weight_decay = c.weight_decay;
        return std::make_unique<nn::SGD>(std::move(groups), o);
    }
    if (c.optimizer == "adam" || c.optimizer == "adamw") {
        nn::AdamOptions o;
        o.lr = c.lr;
        o.weight_decay = c.weight_decay;
        if (c.optimizer == "adamw") return std::make_unique<nn::AdamW>(std::move(groups), o);
        return std::make_unique<nn::Adam>(std::move(groups), o);
    }
    if (c.optimizer == "lars") {
        nn::LARSOptions o;
        o.lr = c.lr;
        o.momentum = c.momentum;
        o.weight_decay = c.weight_decay;
        return std::make_unique<nn::LARS>(std::move(groups), o);
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
    return embed_rows(m, data, transform, 0, data.size(), batch);
}

Tensor embed_rows(const Model& m, const Dataset& data, const Transform& transform, int64_t begin, int64_t end,
                  int64_t batch) {
    CT_CHECK(0 <= begin && begin < end && end <= data.size(),
             "embed_rows: rows [" << begin << ", " << end << ") are not a non-empty range of " << data.size() << " images");
    NoGradGuard no_grad;
    const bool was_training = m.net->is_training();
    m.net->eval();
    std::vector<Tensor> parts;
    Generator unused(0);   // normalisation draws nothing
    for (int64_t start = begin; start < end; start += batch) {
        const int64_t n = std::min(batch, end - start);
        std::vector<Tensor> images;
        for (int64_t i = start; i < start + n; ++i) images.push_back(transform(data.image(i), unused));
        parts.push_back(m.embed(stack(images, 0)));
    }
    m.net->train(was_training);
    return cat(parts, 0);
}

}  // namespace ct::app
