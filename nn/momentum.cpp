// MomentumCopy: the copy's tensors mirrored as buffers, and the EMA update. See momentum.h.
#include "nn/momentum.h"

#include "core/autograd.h"
#include "core/check.h"

namespace ct::nn {
namespace {

// Registers source's own parameters and buffers as buffers of node, and its children as mirrors,
// so node's state_dict has source's names and shares its tensors.
void mirror_into(Module& node, const Module& source);

class Mirror : public Module {
public:
    explicit Mirror(ModulePtr source) : source_(std::move(source)) { mirror_into(*this, *source_); }
    Tensor forward(const Tensor& x) override { return (*source_)(x); }
    std::string type_name() const override { return "Mirror(" + source_->type_name() + ")"; }

private:
    ModulePtr source_;
};

void mirror_into(Module& node, const Module& source) {
    auto own = [](const std::string& name) { return name.find('.') == std::string::npos; };
    for (const auto& [name, t] : source.named_parameters())
        if (own(name)) node.register_buffer(name, t);
    for (const auto& [name, t] : source.named_buffers())
        if (own(name)) node.register_buffer(name, t);
    for (const auto& [name, child] : source.named_children()) node.register_module(name, std::make_shared<Mirror>(child));
}

}  // namespace

MomentumCopy::MomentumCopy(ModulePtr online, ModulePtr copy) : online_(std::move(online)), copy_(std::move(copy)) {
    CT_CHECK(online_ && copy_, "MomentumCopy: online and copy must be modules");
    const NamedTensors from = online_->state_dict(), to = copy_->state_dict();
    CT_CHECK(from.size() == to.size(), "MomentumCopy: the copy has " << to.size() << " tensors, the online network "
                                                                     << from.size() << ": not the same architecture");
    for (size_t i = 0; i < from.size(); ++i) {
        CT_CHECK(from[i].first == to[i].first && from[i].second.shape() == to[i].second.shape(),
                 "MomentumCopy: tensor " << i << " is '" << to[i].first << "' " << to[i].second.shape()
                                         << " in the copy but '" << from[i].first << "' " << from[i].second.shape()
                                         << " online: not the same architecture");
        Tensor destination = to[i].second;
        destination.copy_(from[i].second);
    }
    for (const auto& [name, t] : copy_->named_parameters()) {
        Tensor p = t;
        p.requires_grad_(false);   // no graph is ever built through the copy
    }
    mirror_into(*this, *copy_);
}

void MomentumCopy::update(float tau) {
    CT_CHECK_AS(ValueError, tau >= 0.f && tau <= 1.f, "MomentumCopy::update: tau must be in [0, 1], got " << tau);
    const NamedTensors online = online_->named_parameters(), copy = copy_->named_parameters();
    for (size_t i = 0; i < copy.size(); ++i) {
        float* c = copy[i].second.data();
        const float* o = online[i].second.data();
        const int64_t n = copy[i].second.numel();
        for (int64_t k = 0; k < n; ++k) c[k] = tau * c[k] + (1.f - tau) * o[k];   // no graph: raw storage
    }
}

Tensor MomentumCopy::forward(const Tensor& x) {
    NoGradGuard no_grad;
    return (*copy_)(x);
}

}  // namespace ct::nn
