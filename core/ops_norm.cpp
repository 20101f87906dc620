// Normalisation and the NN functions (batch_norm has its own file, ops_batch_norm.cpp): dropout, softmax, log_softmax,
// cross_entropy (composed), normalize (fused), layer_norm and embedding (composed).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/broadcast.h"
#include "core/ops.h"
#include "core/random.h"

namespace ct {
using detail::AxisSplit;
using detail::split_at;
using detail::wrap_dim;

// Inverted dropout: keep with probability 1-p and scale by 1/(1-p), so eval needs no rescaling.
Tensor dropout(const Tensor& x, float p, bool training, Generator& gen) {
    CT_CHECK_AS(ValueError, p >= 0.f && p < 1.f, "dropout: p must be in [0, 1), got " << p);
    if (!training || p == 0.f) return x;
    Tensor mask = Tensor::empty(x.shape());
    const float keep_scale = 1.f / (1.f - p);
    for (int64_t i = 0; i < mask.numel(); ++i) mask.data()[i] = gen.uniform() < p ? 0.f : keep_scale;
    return mul(x, mask);
}

namespace {
// softmax and log_softmax share the max-shifted pass; `log` selects the output.
Tensor softmax_impl(const char* name, const Tensor& x, int64_t dim, bool log) {
    CT_CHECK(x.defined(), name << ": got an undefined tensor");
    dim = wrap_dim(name, dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, true);
    Tensor y = Tensor::empty(x.shape());
    const float* px = x.data();
    float* py = y.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t base = (c / s.inner) * s.n * s.inner + c % s.inner;
            float m = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < s.n; ++k) m = std::max(m, px[base + k * s.inner]);
            double z = 0;
            for (int64_t k = 0; k < s.n; ++k) z += std::exp(double(px[base + k * s.inner] - m));
            const float logz = m + float(std::log(z));
            for (int64_t k = 0; k < s.n; ++k) {
                const float v = px[base + k * s.inner] - logz;
                py[base + k * s.inner] = log ? v : std::exp(v);
            }
        }
    }, s.n);
    return record(name, y, {x}, [yd = y.detach(), s, log](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        const float* py = yd.data();
        parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
            for (int64_t c = b; c < e; ++c) {
                const int64_t base = (c / s.inner) * s.n * s.inner + c % s.inner;
                double acc = 0;   // log: sum dy;  softmax: sum dy*y
                for (int64_t k = 0; k < s.n; ++k) {
                    const int64_t j = base + k * s.inner;
                    acc += log ? dy[j] : dy[j] * py[j];
                }
                for (int64_t k = 0; k < s.n; ++k) {
                    const int64_t j = base + k * s.inner;
                    if (log) gx[j] += dy[j] - std::exp(py[j]) * float(acc);   // dx = dy - softmax * sum dy
                    else gx[j] += py[j] * (dy[j] - float(acc));              // dx = y (dy - sum dy y)
                }
            }
        }, s.n);
    });
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl("softmax", x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl("log_softmax", x, dim, true); }

// L = -1/N sum_n log_softmax(logits)[n, t_n]   (composed: log_softmax, gather, mean)
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets, Reduction reduction) {
    CT_CHECK(logits.defined() && logits.dim() == 2,
             "cross_entropy: logits must be (N,C), got " << (logits.defined() ? logits.shape() : Shape{}));
    const int64_t N = logits.size(0), C = logits.size(1);
    CT_CHECK(int64_t(targets.size()) == N,
             "cross_entropy: " << targets.size() << " targets for logits " << logits.shape());
    for (int64_t t : targets)
        CT_CHECK(t >= 0 && t < C, "cross_entropy: target " << t << " out of range for " << C << " classes");
    return reduce_losses(neg(reshape(gather(log_softmax(logits, 1), 1, targets), {N})), reduction);
}

// y = x / max(|x|_2, eps) along dim, as torch.nn.functional.normalize.   x:(..., n, ...) -> y: same
// Fused: composed as div(x, clamp_min(norm(x))), the backward of the broadcast division was a
// tenth of an NT-Xent step. With d = max(|x|, eps): dx = (dy - y <dy, y>) / |x| where |x| > eps,
// and dx = dy / eps where the clamp holds d constant (as the composed form; tests/test_ops_norm.cpp).
Tensor normalize(const Tensor& x, int64_t dim, float eps) {
    CT_CHECK(x.defined(), "normalize: got an undefined tensor");
    dim = wrap_dim("normalize", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, true);
    Tensor y = Tensor::empty(x.shape());
    std::vector<float> length(static_cast<size_t>(s.outer * s.inner));   // |x| per slice
    const float* px = x.data();
    float* py = y.data();
    float* pl = length.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t base = (c / s.inner) * s.n * s.inner + c % s.inner;
            double acc = 0;
            for (int64_t k = 0; k < s.n; ++k) acc += double(px[base + k * s.inner]) * px[base + k * s.inner];
            pl[c] = float(std::sqrt(acc));
            const float inv = 1.f / std::max(pl[c], eps);
            for (int64_t k = 0; k < s.n; ++k) py[base + k * s.inner] = px[base + k * s.inner] * inv;
        }
    }, 2 * s.n);
    return record("normalize", y, {x}, [yd = y.detach(), length = std::move(length), s, eps](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        const float* py = yd.data();
        const float* pl = length.data();
        parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
            for (int64_t c = b; c < e; ++c) {
                const int64_t base = (c / s.inner) * s.n * s.inner + c % s.inner;
                if (pl[c] <= eps) {   // d = eps, a constant: dx = dy / eps
                    for (int64_t k = 0; k < s.n; ++k) gx[base + k * s.inner] += dy[base + k * s.inner] / eps;
                    continue;
                }
                float dot = 0.f;   // <dy, y>
                for (int64_t k = 0; k < s.n; ++k) dot += dy[base + k * s.inner] * py[base + k * s.inner];
                const float inv = 1.f / pl[c];
                for (int64_t k = 0; k < s.n; ++k) {
                    const int64_t j = base + k * s.inner;
                    gx[j] += (dy[j] - py[j] * dot) * inv;   // (dy - y <dy, y>) / |x|
                }
            }
        }, 3 * s.n);
    });
}

// Composed (mean, var, sub, div, mul, add): its backward is the chain rule of those ops.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
    CT_CHECK(x.defined() && x.dim() >= 1 && x.size(-1) > 0,
             "layer_norm: x must be (..., D) with D >= 1, got " << (x.defined() ? x.shape() : Shape{}));
    const int64_t D = x.size(-1);
    for (const Tensor* t : {&weight, &bias})
        CT_CHECK(!t->defined() || t->shape() == Shape{D},
                 "layer_norm: weight and bias must be (" << D << ") for x " << x.shape() << ", got " << t->shape());
    const Tensor centred = x - mean(x, -1, true);
    Tensor y = centred / sqrt(var(x, -1, false, true) + eps);
    if (weight.defined()) y = y * weight;
    if (bias.defined()) y = y + bias;
    return y;
}

// Composed: index_select's backward is the scatter-add that sums repeated ids.
Tensor embedding(const Tensor& weight, const std::vector<int64_t>& ids, const Shape& ids_shape) {
    CT_CHECK(weight.defined() && weight.dim() == 2,
             "embedding: weight must be (V,D), got " << (weight.defined() ? weight.shape() : Shape{}));
    CT_CHECK(!ids_shape.empty() && numel_of(ids_shape) == int64_t(ids.size()),
             "embedding: " << ids.size() << " ids do not fill the shape " << ids_shape);
    for (int64_t id : ids)
        CT_CHECK(id >= 0 && id < weight.size(0),
                 "embedding: id " << id << " out of range for a vocabulary of " << weight.size(0));
    Shape out = ids_shape;
    out.push_back(weight.size(1));
    return reshape(index_select(weight, 0, ids), out);
}

}  // namespace ct
