// LARS as in SimCLR's lars_optimizer.py (You et al. 2017). Per parameter p with gradient grad:
//   adapted = rank(p) > 1            (biases and BatchNorm parameters are excluded)
//   g = grad + weight_decay * p      (adapted parameters only)
//   trust = eta * |p| / |g| if |p| > 0 and |g| > 0 else 1   (adapted parameters only; else 1)
//   buf = momentum * buf + lr * trust * g
//   p = p - (momentum * buf + lr * trust * g)  (Nesterov)   or   p = p - buf
// The momentum buffer starts at zero (SimCLR's TF slot), unlike SGD's first-step copy.
#include <cmath>

#include "core/autograd.h"
#include "nn/optim.h"

namespace ct::nn {

LARS::LARS(const NamedTensors& params, const LARSOptions& o) : LARS({ParamGroup{params}}, o) {}

LARS::LARS(std::vector<ParamGroup> groups, const LARSOptions& o)
    : Optimizer(std::move(groups), o.lr, o.weight_decay), options(o) {
    CT_CHECK_AS(ValueError, o.momentum >= 0.f && o.trust_coefficient > 0.f,
                "LARS: momentum must be >= 0 and trust_coefficient > 0, got momentum=" << o.momentum
                                                                                       << " trust_coefficient="
                                                                                       << o.trust_coefficient);
}

void LARS::step() {
    NoGradGuard no_grad;
    const float mu = options.momentum, eta = options.trust_coefficient;
    for (ParamGroup& group : groups_) {
        const float lr = group.lr;
        for (auto& [name, p] : group.params) {
            const Tensor grad = p.grad();
            if (!grad.defined()) continue;
            const bool adapted = p.dim() > 1;
            const float wd = adapted ? group.weight_decay : 0.f;
            float* w = p.data();
            const float* dw = grad.data();
            const int64_t n = p.numel();
            std::vector<float> g(static_cast<size_t>(n));
            double w_sq = 0, g_sq = 0;   // the norms in double: one sum over a whole layer
            for (int64_t i = 0; i < n; ++i) {
                g[size_t(i)] = dw[i] + wd * w[i];
                w_sq += double(w[i]) * w[i];
                g_sq += double(g[size_t(i)]) * g[size_t(i)];
            }
            float trust = 1.f;
            if (adapted && w_sq > 0 && g_sq > 0) trust = float(eta * std::sqrt(w_sq) / std::sqrt(g_sq));
            const float scaled_lr = lr * trust;
            float* buf = state(name, "momentum_buffer", p.shape()).data();
            for (int64_t i = 0; i < n; ++i) {
                buf[i] = mu * buf[i] + scaled_lr * g[size_t(i)];
                w[i] -= options.nesterov ? mu * buf[i] + scaled_lr * g[size_t(i)] : buf[i];
            }
        }
    }
}

}  // namespace ct::nn
