// --method moco (MoCo v2, Chen et al. 2020): two strong views; queries from the encoder + MLP
// projector, keys from its momentum copy (an EMA with momentum --ema, kept as buffers), and a queue
// of the last --queue-size keys as the negatives: moco_loss of losses/moco.h, symmetrised over the
// two views as in the authors' CIFAR demo (each view is once the query, once the key). After each
// step the keys of both views enter the queue (the oldest leave) and the copy moves towards the
// encoder. No shuffled BatchNorm: the key batch's statistics are its own (a rank's, under mpirun).
// Under mpirun each rank's queries meet its own keys and the one queue, which receives the keys of
// the whole global batch on every rank (the authors' concat_all_gather), so it stays the same everywhere.
// Evaluated on the encoder's representation.
#include <algorithm>
#include <cstring>

#include "apps/contrast/self_supervised.h"
#include "core/ops.h"
#include "losses/moco.h"
#include "nn/momentum.h"

namespace ct::app {
namespace {

class MoCoObjective : public Objective {
public:
    MoCoObjective(const Model& online, const Model& copy, int64_t queue_size, int64_t dim, float ema, float temperature,
                  Generator& gen)
        : ema_(ema), temperature_(temperature), state_(std::make_shared<MethodState>()) {
        key_encoder_ = state_->register_module("key_encoder", std::make_shared<nn::MomentumCopy>(online.net, copy.net));
        // MoCo starts from random unit keys; they are all replaced after queue_size / 2B steps
        queue_ = state_->register_buffer("queue", normalize(Tensor::randn({queue_size, dim}, gen), 1));   // (K,D)
        next_ = state_->register_buffer("queue_next", Tensor::zeros({1}));   // the row the next key goes to
    }
    // Batch: 2B images, view 1 of B images then view 2 of the same images.
    Tensor loss(const Model& m, const Batch& b) override {
        const auto [q1, q2] = view_halves(m.train_output(b.images));
        keys_ = normalize((*key_encoder_)(b.images), 1);   // (2B,D), no graph; enqueued after the step
        const auto [k1, k2] = view_halves(keys_);
        return 0.5f * (moco_loss(q1, k2, queue_, temperature_) + moco_loss(q2, k1, queue_, temperature_));
    }
    nn::ModulePtr extras() const override { return state_; }
    // The step's keys replace the oldest rows (cyclically), then the key encoder follows. Under
    // mpirun the keys of every rank, view 1's then view 2's: the 1-process order of the global batch.
    void after_step() override {
        const int64_t K = queue_.size(0), D = queue_.size(1);
        const auto [k1, k2] = view_halves(keys_);
        const Tensor keys = cat({all_gather(k1), all_gather(k2)}, 0);   // (2B_global, D), no graph (no-grad step)
        int64_t next = int64_t(next_.data()[0]);
        for (int64_t i = 0; i < keys.size(0); ++i, next = (next + 1) % K)
            std::memcpy(queue_.data() + next * D, keys.data() + i * D, size_t(D) * sizeof(float));
        next_.data()[0] = float(next);
        key_encoder_->update(ema_);
    }

private:
    float ema_, temperature_;
    std::shared_ptr<MethodState> state_;
    std::shared_ptr<nn::MomentumCopy> key_encoder_;
    Tensor queue_, next_, keys_;
};

class MoCo : public Method {
public:
    std::string name() const override { return "moco"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // MoCo v2 with the authors' CIFAR-10 demo scaled to 2 cores: batch 256, SGD lr 0.03 (0.06 at
        // batch 512), momentum 0.9, weight decay 5e-4, cosine; temperature 0.2 (v2); queue 4096
        // (v2: 65536 on ImageNet) and key momentum 0.99 (v2: 0.999) for runs of a few thousand steps;
        // MLP projector features -> features -> 128.
        c.batch_size = 256;
        c.temperature = 0.2f;
        c.optimizer = "sgd";
        c.lr = 0.03f;
        c.momentum = 0.9f;
        c.weight_decay = 5e-4f;
        c.schedule = "cosine";
        c.embedding_dim = 128;
        c.queue_size = 4096;
        c.ema = 0.99f;
        c.epochs = 15;
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "MoCo v2 InfoNCE, temperature " << c.temperature << ", queue " << c.queue_size << " keys, key momentum "
           << c.ema << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return find_method("simclr").model(c, train, gen);   // MoCo v2's MLP head is SimCLR's
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model& m, const Dataset& train) const override {
        Generator gen(c.seed + 1);
        const Model copy = model(c, train, gen);   // its weights are replaced by the online ones
        return std::make_unique<MoCoObjective>(m, copy, c.queue_size, c.embedding_dim, c.ema, c.temperature, gen);
    }
    std::string collapse_hint(const RunConfig& c) const override {
        return "; MoCo's queued negatives push the embeddings apart, so a collapse means unstable steps: lower --lr, "
               "or use a --queue-size well above 2 x --batch-size";
    }
};

}  // namespace

const Method& moco_method() {
    static const MoCo m;
    return m;
}

}  // namespace ct::app
