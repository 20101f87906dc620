// SGD with momentum, dampening, Nesterov and (L2) weight decay, step for step as torch.optim.SGD:
//   g = grad + weight_decay * p
//   if momentum != 0:  buf = g on the first step, else buf = momentum * buf + (1 - dampening) * g
//                      g = g + momentum * buf  (Nesterov)   or   g = buf
//   p = p - lr * g
#include "core/autograd.h"
#include "nn/optim.h"

namespace ct::nn {
namespace {
std::vector<ParamGroup> one_group(const NamedTensors& params) { return {ParamGroup{params}}; }
}  // namespace

SGD::SGD(const NamedTensors& params, const SGDOptions& o) : SGD(one_group(params), o) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o)
    : Optimizer(std::move(groups), o.lr, o.weight_decay), options(o) {
    CT_CHECK_AS(ValueError, o.momentum >= 0.f && (!o.nesterov || (o.momentum > 0.f && o.dampening == 0.f)),
                "SGD: momentum must be >= 0, and Nesterov needs momentum > 0 and dampening 0, got momentum="
                    << o.momentum << " dampening=" << o.dampening);
}

void SGD::step() {
    NoGradGuard no_grad;
    const float mu = options.momentum, damp = options.dampening;
    for (ParamGroup& group : groups_) {
        const float lr = group.lr, wd = group.weight_decay;
        for (auto& [name, p] : group.params) {
            const Tensor grad = p.grad();
            if (!grad.defined()) continue;   // unused this step, as PyTorch skips p.grad is None
            float* w = p.data();
            const float* dw = grad.data();
            const int64_t n = p.numel();
            if (mu == 0.f) {
                for (int64_t i = 0; i < n; ++i) w[i] -= lr * (dw[i] + wd * w[i]);
                continue;
            }
            const bool first = !has_state(name, "momentum_buffer");
            float* buf = state(name, "momentum_buffer", p.shape()).data();
            for (int64_t i = 0; i < n; ++i) {
                float g = dw[i] + wd * w[i];
                buf[i] = first ? g : mu * buf[i] + (1.f - damp) * g;
                g = options.nesterov ? g + mu * buf[i] : buf[i];
                w[i] -= lr * g;
            }
        }
    }
}

}  // namespace ct::nn
