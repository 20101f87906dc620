// Adam and AdamW, as torch.optim.Adam / AdamW (amsgrad off). Per parameter, t = step count:
//   Adam:   g = grad + weight_decay * p            AdamW:  p = p * (1 - lr * weight_decay); g = grad
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g^2
//   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// written in PyTorch's order of operations so the float results agree closely.
#include <cmath>

#include "core/autograd.h"
#include "nn/optim.h"

namespace ct::nn {

Adam::Adam(const NamedTensors& params, const AdamOptions& o) : Adam({ParamGroup{params}}, o, false) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o) : Adam(std::move(groups), o, false) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o, bool decoupled)
    : Optimizer(std::move(groups), o.lr, o.weight_decay), options(o), decoupled_(decoupled) {
    CT_CHECK_AS(ValueError, o.beta1 >= 0.f && o.beta1 < 1.f && o.beta2 >= 0.f && o.beta2 < 1.f && o.eps >= 0.f,
                type_name() << ": betas must be in [0, 1) and eps >= 0, got beta1=" << o.beta1 << " beta2=" << o.beta2
                            << " eps=" << o.eps);
}

AdamW::AdamW(const NamedTensors& params, const AdamOptions& o) : Adam({ParamGroup{params}}, o, true) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamOptions& o) : Adam(std::move(groups), o, true) {}

void Adam::step() {
    NoGradGuard no_grad;
    const float b1 = options.beta1, b2 = options.beta2, eps = options.eps;
    for (ParamGroup& group : groups_) {
        const float lr = group.lr, wd = group.weight_decay;
        for (auto& [name, p] : group.params) {
            const Tensor grad = p.grad();
            if (!grad.defined()) continue;
            float* w = p.data();
            const float* dw = grad.data();
            float* m = state(name, "exp_avg", p.shape()).data();
            float* v = state(name, "exp_avg_sq", p.shape()).data();
            float& t = state(name, "step", {}).data()[0];
            t += 1.f;
            const float bias1 = 1.f - std::pow(b1, t);
            const float bias2_sqrt = std::sqrt(1.f - std::pow(b2, t));
            const float step_size = lr / bias1;
            for (int64_t i = 0, n = p.numel(); i < n; ++i) {
                float g = dw[i];
                if (decoupled_) w[i] *= 1.f - lr * wd;
                else g += wd * w[i];
                m[i] = b1 * m[i] + (1.f - b1) * g;   // PyTorch 1.13: m.mul_(beta1).add_(g, alpha=1-beta1)
                v[i] = b2 * v[i] + (1.f - b2) * g * g;
                w[i] -= step_size * m[i] / (std::sqrt(v[i]) / bias2_sqrt + eps);
            }
        }
    }
}

}  // namespace ct::nn
