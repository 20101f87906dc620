// --method supcon: SimCLR's recipe (views, model, defaults, temperature included) with the labels
// deciding the positives: every other view of the same class (Khosla et al.), so that the labels
// are the only difference from --method simclr.
#include "apps/contrast/method.h"
#include "core/ops.h"
#include "losses/global_batch.h"

namespace ct::app {
namespace {

class SupConObjective : public Objective {
public:
    explicit SupConObjective(float temperature) : temperature_(temperature) {}
    // Batch: 2B images, view 1 of B images then view 2; labels repeat per view.
    Tensor loss(const Model& m, const Batch& b) override {
        const int64_t B = b.images.size(0) / 2;
        Tensor z = m.train_output(b.images);
        SupConOptions o;
        o.temperature = temperature_;
        o.base_temperature = temperature_;
        return global_supcon_loss(std::vector<Tensor>{narrow(z, 0, 0, B), narrow(z, 0, B, B)},
                           std::vector<int64_t>(b.labels.begin(), b.labels.begin() + B), o);
    }

private:
    float temperature_;
};

const Method& simclr() { return find_method("simclr"); }

class SupCon : public Method {
public:
    std::string name() const override { return "supcon"; }
    // SimCLR's whole recipe, tau 0.5 included. The paper's tau 0.1 is for 1000-epoch runs: with lr
    // 0.12 it sat at chance here (2 epochs on 10,000 CIFAR images: loss ~ln 511, on-line P@1 0.24,
    // against 0.32 at tau 0.5 and 0.29 at tau 0.1 with lr 0.03).
    void defaults(RunConfig& c, bool small_images) const override { simclr().defaults(c, small_images); }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "SupCon, temperature " << c.temperature << ", colour strength " << c.color_strength;
        return os.str();
    }
    std::vector<Transform> views(const RunConfig& c, const RunData& d) const override { return simclr().views(c, d); }
    Model model(const RunConfig& c, const Dataset& train, Generator& gen) const override {
        return simclr().model(c, train, gen);
    }
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override {
        return std::make_unique<SupConObjective>(c.temperature);
    }
};

}  // namespace

const Method& supcon_method() {
    static const SupCon m;
    return m;
}

}  // namespace ct::app
