// --method byol (Grill et al. 2020): two strong views; the online network (encoder, projector,
// predictor) regresses the other view's projection by a momentum copy of encoder + projector:
// byol_loss(p1, p2, z1', z2') of losses/negative_cosine.h. The predictor is the method's trained
// extra; the target is an EMA copy kept as buffers, updated after each step with a momentum that a
// cosine raises from --ema to 1. Evaluated on the online encoder's representation.
#include <cstdio>

#include "apps/contrast/self_supervised.h"
#include "core/ops.h"
#include "losses/negative_cosine.h"
#include "nn/momentum.h"

namespace ct::app {
namespace {

class BYOLObjective : public Objective {
public:
    BYOLObjective(const Model& online, const Model& copy, int64_t dim, int64_t hidden, float ema, int64_t total,
                  Generator& gen)
        : base_(ema), total_(total), state_(std::make_shared<MethodState>()) {
        predictor_ = state_->register_module("predictor", make_predictor(dim, hidden, gen));
        target_ = state_->register_module("target", std::make_shared<nn::MomentumCopy>(online.net, copy.net));
        step_ = state_->register_buffer("step", Tensor::zeros({1}));   // restored on resume: the schedule continues
    }
    // Batch: 2B images, view 1 of B images then view 2 of the same images.
    Tensor loss(const Model& m, const Batch& b) override {
        const auto [p1, p2] = view_halves((*predictor_)(m.train_output(b.images)));
        const auto [t1, t2] = view_halves((*target_)(b.images));   // no graph
        return byol_loss(p1, p2, t1, t2);
    }
    nn::ModulePtr extras() const override { return state_; }
    void after_step() override {
        float& step = step_.data()[0];
        target_->update(cosine_momentum(base_, int64_t(step), total_));
        step += 1;
    }
    std::string epoch_note() override {
        char text[48];
        std::snprintf(text, sizeof text, "  target momentum %.4f", double(cosine_momentum(base_, int64_t(step_.data()[0]), total_)));
        return text;
    }

private:
    float base_;
    int64_t total_;
    std::shared_ptr<MethodState> state_;
    nn::ModulePtr predictor_;
    std::shared_ptr<nn::MomentumCopy> target_;
    Tensor step_;
};

class BYOL : public Method {
public:
    std::string name() const override { return "byol"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // BYOL scaled to 2 cores: batch 256 (paper 4096), LARS lr 0.2 x 256/256, weight decay 1.5e-6,
        // warm-up then cosine; projector and predictor hidden 4 x 256 (paper 4096 -> 256); target
        // momentum from 0.99 (paper 0.996, over ~10x more steps than a CPU run takes) to 1.
        c.batch_size = 256;
        c.optimizer = "lars";
        c.lr = 0.2f;
        c.momentum = 0.9f;
        c.weight_decay = 1.5e-6f;
        c.schedule = "warmup-cosine";
        c.warmup_epochs = 1;
        c.embedding_dim = 256;
        c.ema = 0.99f;
        c.epochs = 15;
    }
    std::string collapse_hint(const RunConfig& c) const override {
        std::ostringstream os;
        os << "; BYOL avoids collapse only while its predictor keeps up with a slowly moving target: raise --ema "
              "(now " << c.ema << ", the paper's 0.996) or lower --lr";
        return os.str();
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "BYOL normalized regression to an EMA target, momentum " << c.ema << " -> 1 (cosine), predictor "
           << c.embedding_dim << "-" << hidden(c) << "-" << c.embedding_dim << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    // Encoder + projector Linear, BN, ReLU, Linear (features -> 4D -> D).
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_ssl_model(c, train, gen, hidden(c), 2, true);
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model& m, const Dataset& train) const override {
        Generator gen(c.seed + 1);
        const Model copy = model(c, train, gen);   // its weights are replaced by the online ones
        return std::make_unique<BYOLObjective>(m, copy, c.embedding_dim, hidden(c), c.ema, total_steps(c, train), gen);
    }

private:
    static int64_t hidden(const RunConfig& c) { return 4 * c.embedding_dim; }
};

}  // namespace

const Method& byol_method() {
    static const BYOL m;
    return m;
}

}  // namespace ct::app
