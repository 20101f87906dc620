// --method simsiam (Chen & He 2021): two strong views through one encoder + projector; a predictor
// maps each view's projection towards the other's, whose gradient is stopped:
// simsiam_loss(p1, p2, z1, z2) of losses/negative_cosine.h. No negatives, no momentum encoder:
// the stop-gradient alone keeps it from collapsing. The predictor is the method's trained extra.
// Evaluated on the encoder's representation.
#include "apps/contrast/self_supervised.h"
#include "core/ops.h"
#include "losses/negative_cosine.h"

namespace ct::app {
namespace {

class SimSiamObjective : public Objective {
public:
    SimSiamObjective(int64_t dim, int64_t hidden, Generator& gen) : state_(std::make_shared<MethodState>()) {
        predictor_ = state_->register_module("predictor", make_predictor(dim, hidden, gen));
    }
    // Batch: 2B images, view 1 of B images then view 2 of the same images.
    Tensor loss(const Model& m, const Batch& b) override {
        const Tensor z = m.train_output(b.images);
        const auto [z1, z2] = view_halves(z);
        const auto [p1, p2] = view_halves((*predictor_)(z));
        return simsiam_loss(p1, p2, z1, z2);
    }
    nn::ModulePtr extras() const override { return state_; }

private:
    std::shared_ptr<MethodState> state_;
    nn::ModulePtr predictor_;
};

class SimSiam : public Method {
public:
    std::string name() const override { return "simsiam"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // SimSiam's CIFAR recipe scaled to 2 cores: SGD lr 0.03 x 256/256, momentum 0.9, weight
        // decay 5e-4, cosine; projector 3 layers with BN (output BN too, with affine parameters
        // here), D = 512 (paper 2048) and the predictor's bottleneck D/4 as the paper's 512 of 2048.
        c.batch_size = 256;
        c.optimizer = "sgd";
        c.lr = 0.03f;
        c.momentum = 0.9f;
        c.weight_decay = 5e-4f;
        c.schedule = "cosine";
        c.embedding_dim = 512;
        c.epochs = 15;
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "SimSiam negative cosine with stop-gradient, predictor " << c.embedding_dim << "-" << hidden(c) << "-"
           << c.embedding_dim << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_ssl_model(c, train, gen, c.embedding_dim, 3, true, true);
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        Generator gen(c.seed + 1);
        return std::make_unique<SimSiamObjective>(c.embedding_dim, hidden(c), gen);
    }
    std::string collapse_hint(const RunConfig& c) const override {
        return "; SimSiam collapses without its predictor or with too high a learning rate: try a lower --lr";
    }

private:
    static int64_t hidden(const RunConfig& c) { return std::max<int64_t>(1, c.embedding_dim / 4); }
};

}  // namespace

const Method& simsiam_method() {
    static const SimSiam m;
    return m;
}

}  // namespace ct::app
