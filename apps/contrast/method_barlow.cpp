// --method barlow (Barlow Twins, Zbontar et al. 2021): two strong views through one encoder +
// projector; the cross-correlation of the two views' batch-standardised projections is pushed to
// the identity (barlow_twins_loss of losses/barlow_twins.h, weight --barlow-lambda off the
// diagonal). No negatives, no predictor, no momentum encoder: nothing beyond the network. Under
// mpirun the cross-correlation is that of the global batch (the authors all-reduce it).
// Evaluated on the encoder's representation.
#include "apps/contrast/self_supervised.h"
#include "losses/global_batch.h"

namespace ct::app {
namespace {

class BarlowObjective : public Objective {
public:
    explicit BarlowObjective(float lambda) : lambda_(lambda) {}
    Tensor loss(const Model& m, const Batch& b) override {
        const auto [z1, z2] = view_halves(m.train_output(b.images));
        return global_barlow_twins_loss(z1, z2, lambda_);   // the global batch under mpirun
    }

private:
    float lambda_;
};

class Barlow : public Method {
public:
    std::string name() const override { return "barlow"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // Barlow Twins scaled to 2 cores: batch 256 (paper 2048), LARS lr 0.2, weight decay 1.5e-6,
        // warm-up then cosine; projector 3 layers with BN of width 512 (paper 8192); lambda 5e-3
        // (why it is kept at this width: losses/barlow_twins.h).
        c.batch_size = 256;
        c.optimizer = "lars";
        c.lr = 0.2f;
        c.momentum = 0.9f;
        c.weight_decay = 1.5e-6f;
        c.schedule = "warmup-cosine";
        c.warmup_epochs = 1;
        c.embedding_dim = 512;
        c.barlow_lambda = 5e-3f;
        c.epochs = 15;
    }
    void finish(RunConfig& c) const override {
        require_batch_statistics(c, "it standardises each dimension over the batch");
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "Barlow Twins cross-correlation to the identity, lambda " << c.barlow_lambda << ", colour strength "
           << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_ssl_model(c, train, gen, c.embedding_dim, 3, true);
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        return std::make_unique<BarlowObjective>(c.barlow_lambda);
    }
    // The diagonal term keeps every standardised dimension informative, so the projection cannot fall to
    // one point; what can go is the rank, when the off-diagonal term is too weak to decorrelate.
    std::string collapse_hint(const RunConfig& c) const override {
        std::ostringstream os;
        os << "; Barlow Twins' diagonal term resists a collapse to one point, a weak off-diagonal term lets the "
              "dimensions align: raise --barlow-lambda (now " << c.barlow_lambda << ") or lower --lr";
        return os.str();
    }
};

}  // namespace

const Method& barlow_method() {
    static const Barlow m;
    return m;
}

}  // namespace ct::app
