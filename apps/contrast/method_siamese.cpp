// --method siamese: Hadsell et al.'s contrastive loss on balanced pairs, one network embedding both
// halves (the weight sharing), raw (unnormalised) outputs compared by Euclidean distance.
#include "apps/contrast/method.h"
#include "losses/global_batch.h"
#include "nn/models.h"

namespace ct::app {
namespace {

class SiameseObjective : public Objective {
public:
    explicit SiameseObjective(float margin) : margin_(margin) {}
    // Batch: 2P images, the first halves of P pairs then their second halves (data/samplers.h).
    Tensor loss(const Model& m, const Batch& b) override {
        // One pass over both halves: the same weights embed x1 and x2.
        const int64_t P = b.images.size(0) / 2;
        Tensor e = m.train_output(b.images);
        ContrastiveOptions o;
        o.margin = margin_;
        o.half = false;   // y d^2 + (1-y) max(0, m-d)^2, without the 1/2
        return global_contrastive_loss(narrow(e, 0, 0, P), narrow(e, 0, P, P), Tensor::from_vector(pair_targets(b.labels)), o);
    }

private:
    float margin_;
};

class Siamese : public Method {
public:
    std::string name() const override { return "siamese"; }
    void defaults(RunConfig& c, bool) const override {
        // Hadsell et al. with m = 1 on raw outputs, balanced pairs.
        c.batch_size = 128;
        c.margin = 1.f;
        c.optimizer = "adam";
        c.lr = 1e-3f;
        c.embedding_dim = 64;
        c.epochs = 5;
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "contrastive (Hadsell), margin " << c.margin << ", balanced pairs";
        return os.str();
    }
    std::string batch_unit() const override { return "pairs"; }
    int64_t images_per_item() const override { return 2; }
    bool euclidean() const override { return true; }
    std::unique_ptr<Sampler> sampler(const RunConfig& c, const Dataset& train) const override {
        return std::make_unique<PairSampler>(train.labels, c.batch_size, 0, c.seed);
    }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        Model m;
        m.net = std::make_shared<nn::SiameseNet>(make_embedding_net(c, train, gen));
        return m;
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        return std::make_unique<SiameseObjective>(c.margin);
    }
};

}  // namespace

const Method& siamese_method() {
    static const Siamese m;
    return m;
}

}  // namespace ct::app
