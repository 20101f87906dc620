// --method classifier: the supervised reference, cross-entropy on the class labels through an
// encoder and one linear class layer; evaluated, like SimCLR, on the encoder's representation.
#include "apps/contrast/method.h"
#include "core/ops.h"
#include "nn/linear.h"

namespace ct::app {
namespace {

class ClassifierObjective : public Objective {
public:
    Tensor loss(const Model& m, const Batch& b) override { return cross_entropy(m.train_output(b.images), b.labels); }
};

class Classifier : public Method {
public:
    std::string name() const override { return "classifier"; }
    void defaults(RunConfig& c, bool small_images) const override {
        c.batch_size = 256;
        c.optimizer = small_images ? "adam" : "sgd";
        c.lr = small_images ? 1e-3f : 0.05f;
        c.weight_decay = small_images ? 0.f : 5e-4f;
        c.schedule = small_images ? "constant" : "cosine";
        c.embedding_dim = 64;
        c.epochs = small_images ? 5 : 15;
    }
    std::string describe_loss(const RunConfig&) const override { return "cross-entropy on class labels"; }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_encoder_with_head(c, train, gen, [&](int64_t features) -> nn::ModulePtr {
            return std::make_shared<nn::Linear>(features, train.num_classes(), gen);
        });
    }
    std::unique_ptr<Objective> objective(const RunConfig&, const Model&, const Dataset&) const override {
        return std::make_unique<ClassifierObjective>();
    }
};

}  // namespace

const Method& classifier_method() {
    static const Classifier m;
    return m;
}

}  // namespace ct::app
