// --method simclr: two strongly augmented views of every image, an encoder and a projection head,
// NT-Xent over the 2B projections (the other view is the positive, the other 2B-2 the negatives).
// Evaluated on the encoder's representation, before the head.
#include "apps/contrast/method.h"
#include "core/ops.h"
#include "losses/global_batch.h"
#include "nn/models.h"

namespace ct::app {
namespace {

class SimCLRObjective : public Objective {
public:
    explicit SimCLRObjective(float temperature) : temperature_(temperature) {}
    // Batch: 2B images, view 1 of B images then view 2 of the same images.
    Tensor loss(const Model& m, const Batch& b) override {
        const int64_t B = b.images.size(0) / 2;
        Tensor z = m.train_output(b.images);
        // Under mpirun the negatives are every rank's images (losses/global_batch.h).
        return global_nt_xent_loss(narrow(z, 0, 0, B), narrow(z, 0, B, B), temperature_);
    }

private:
    float temperature_;
};

class SimCLR : public Method {
public:
    std::string name() const override { return "simclr"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // SimCLR scaled to 2 cores: batch 256 x 2 views, tau 0.5, SGD lr 0.12 momentum 0.9, weight
        // decay 5e-4, cosine schedule; colour strength 0.5 as SimCLR's CIFAR setting.
        c.batch_size = 256;
        c.temperature = 0.5f;
        c.optimizer = "sgd";
        c.lr = 0.12f;
        c.momentum = 0.9f;
        c.weight_decay = 5e-4f;
        c.schedule = "cosine";
        c.embedding_dim = small_images ? 32 : 64;
        c.epochs = 15;
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "NT-Xent, temperature " << c.temperature << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    // Encoder + MLP projector (features -> hidden -> embedding_dim). The hidden layer is the
    // features' width and has no BatchNorm unless --projector-hidden / --projector-bn say otherwise.
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_encoder_with_head(c, train, gen, [&](int64_t features) -> nn::ModulePtr {
            const int64_t hidden = c.projector_hidden > 0 ? c.projector_hidden : features;
            return nn::make_projection_head(features, hidden, c.embedding_dim, gen, 2, c.projector_bn);
        });
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        return std::make_unique<SimCLRObjective>(c.temperature);
    }
};

}  // namespace

const Method& simclr_method() {
    static const SimCLR m;
    return m;
}

}  // namespace ct::app
