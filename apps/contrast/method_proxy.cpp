// --method proxy: proxy-based metric learning (--loss proxy-anchor|proxy-nca|arcface|cosface).
// The loss owns one trainable proxy per class (losses/proxies.h): they are the method's extras, so
// they train at --lr times --proxy-lr-mult, are saved in every checkpoint and restored on resume.
// Under mpirun the loss is that of the global batch (Proxy-Anchor's log-sums do not split by rank).
#include <cmath>

#include "apps/contrast/method.h"
#include "core/check.h"
#include "core/random.h"
#include "losses/global_batch.h"

namespace ct::app {
namespace {

class ProxyObjective : public Objective {
public:
    ProxyObjective(std::shared_ptr<ProxyLoss> loss, float lr_mult) : loss_(std::move(loss)), lr_mult_(lr_mult) {}
    // under mpirun the loss of the global batch, whole on every rank (losses/global_batch.h)
    Tensor loss(const Model& m, const Batch& b) override { return global_proxy_loss(*loss_, m.train_output(b.images), b.labels); }
    nn::ModulePtr extras() const override { return loss_; }
    float extras_lr_mult() const override { return lr_mult_; }

private:
    std::shared_ptr<ProxyLoss> loss_;
    float lr_mult_;
};

class Proxy : public Method {
public:
    std::string name() const override { return "proxy"; }
    void defaults(RunConfig& c, bool) const override {
        // Plain shuffled batches of 256 (the triplet default's P x K = 8 x 32 images), Adam 1e-3 with a
        // cosine schedule, 64-D embeddings on the unit sphere, as triplet, so the two compare. margin,
        // scale and proxy_lr_mult stay 0 here: finish() fills in the chosen --loss's defaults.
        c.loss = "proxy-anchor";
        c.margin = 0.f;
        c.scale = 0.f;
        c.proxy_lr_mult = 0.f;
        c.batch_size = 256;
        c.optimizer = "adam";
        c.lr = 1e-3f;
        c.schedule = "cosine";
        c.embedding_dim = 64;
        c.epochs = 5;
    }
    void finish(RunConfig& c) const override {
        const ProxyLossKind kind = proxy_loss_kind(c.loss);
        const ProxyLossOptions d = ProxyLossOptions::defaults(kind);
        // --margin refuses 0, so 0 means "not given"; proxy-nca has no margin and keeps the field's base value
        if (c.margin == 0.f) c.margin = d.margin > 0.f ? d.margin : RunConfig{}.margin;
        if (c.scale == 0.f) c.scale = d.scale;
        if (c.proxy_lr_mult == 0.f) c.proxy_lr_mult = kind == ProxyLossKind::ProxyAnchor ? 100.f : 1.f;
        CT_CHECK_AS(ValueError, kind != ProxyLossKind::ArcFace || c.margin < float(M_PI / 2),
                    "--margin " << c.margin << ": ArcFace's angular margin must be below pi/2 = 1.5708 radians");
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << c.loss;
        if (c.loss == "proxy-anchor") os << " alpha " << c.scale << " delta " << c.margin;
        else if (c.loss == "proxy-nca") os << " softmax scale " << c.scale;
        else os << " scale " << c.scale << " margin " << c.margin << (c.loss == "arcface" ? " rad" : "");
        os << ", one proxy per class at lr x " << c.proxy_lr_mult << ", on L2-normalised embeddings";
        return os.str();
    }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        Model m;
        m.net = make_embedding_net(c, train, gen);
        m.normalize_output = true;   // evaluated on the unit sphere like triplet (the losses normalise anyway)
        return m;
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset& train) const override {
        const ProxyLossKind kind = proxy_loss_kind(c.loss);
        ProxyLossOptions o;
        o.margin = c.margin;
        o.scale = c.scale;
        Generator gen(c.seed + 0x5eed);   // a stream of its own: the network's draws stay those of other methods
        auto loss = std::make_shared<ProxyLoss>(kind, train.num_classes(), c.embedding_dim, o, gen);
        return std::make_unique<ProxyObjective>(loss, c.proxy_lr_mult);
    }
};

}  // namespace

const Method& proxy_method() {
    static const Proxy m;
    return m;
}

}  // namespace ct::app
