// --method vicreg (VICReg, Bardes, Ponce & LeCun 2022): two strong views through one encoder +
// projector ("expander"); the loss keeps the views' embeddings close (invariance), each
// dimension's standard deviation above 1 (variance) and the dimensions decorrelated (covariance):
// vicreg_loss of losses/vicreg.h with weights --vicreg-invariance/-variance/-covariance. Nothing
// beyond the network. Evaluated on the encoder's representation. Under mpirun the statistics are
// those of the global batch (the authors gather the embeddings: FullGatherLayer).
#include "apps/contrast/self_supervised.h"
#include "losses/global_batch.h"

namespace ct::app {
namespace {

class VICRegObjective : public Objective {
public:
    explicit VICRegObjective(const VICRegOptions& options) : options_(options) {}
    Tensor loss(const Model& m, const Batch& b) override {
        const auto [z1, z2] = view_halves(m.train_output(b.images));
        return global_vicreg_loss(z1, z2, options_);   // the global batch under mpirun
    }

private:
    VICRegOptions options_;
};

class VICReg : public Method {
public:
    std::string name() const override { return "vicreg"; }
    void defaults(RunConfig& c, bool small_images) const override {
        // VICReg scaled to 2 cores: batch 256 (paper 2048), LARS lr 0.2 x 256/256 (base 0.2), weight
        // decay 1e-6, warm-up then cosine; expander 3 layers with BN of width 512 (paper 8192);
        // the paper's weights 25 / 25 / 1.
        c.batch_size = 256;
        c.optimizer = "lars";
        c.lr = 0.2f;
        c.momentum = 0.9f;
        c.weight_decay = 1e-6f;
        c.schedule = "warmup-cosine";
        c.warmup_epochs = 1;
        c.embedding_dim = 512;
        c.vicreg_invariance = 25.f;
        c.vicreg_variance = 25.f;
        c.vicreg_covariance = 1.f;
        c.epochs = 15;
    }
    void finish(RunConfig& c) const override {
        require_batch_statistics(c, "its variance and covariance run over the batch");
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "VICReg, invariance " << c.vicreg_invariance << ", variance " << c.vicreg_variance << ", covariance "
           << c.vicreg_covariance << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return two_strong_views(c, d); }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return make_ssl_model(c, train, gen, c.embedding_dim, 3, true);
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        VICRegOptions o;
        o.invariance = c.vicreg_invariance;
        o.variance = c.vicreg_variance;
        o.covariance = c.vicreg_covariance;
        return std::make_unique<VICRegObjective>(o);
    }
    std::string collapse_hint(const RunConfig& c) const override {
        std::ostringstream os;
        os << "; VICReg's variance hinge holds each dimension's std at 1 and its covariance term decorrelates them: "
              "raise --vicreg-variance (now " << c.vicreg_variance << ") or --vicreg-covariance (now "
           << c.vicreg_covariance << "), or lower --lr";
        return os.str();
    }
};

}  // namespace

const Method& vicreg_method() {
    static const VICReg m;
    return m;
}

}  // namespace ct::app
