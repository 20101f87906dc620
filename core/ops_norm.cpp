// Normalisation and the NN functions: batch_norm and batch_norm_relu (fused), dropout, softmax, log_softmax,
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

namespace {
// x:(N,C) or (N,C,H,W), seen as (N, C, S).   y = (x - mean_c) / sqrt(var_c + eps) * w_c + b_c,
// then max(y, 0) when `relu`. Fused with a hand-written backward (one pass per channel instead of
// ~10 composed ops, and no intermediate (N,C,S) buffers); tests/test_ops_norm.cpp checks it
// against the composed formula. With the ReLU folded in, the normalised tensor is never stored:
// backward recomputes each y's sign from x with the same fma as forward, so its mask is exact.
Tensor batch_norm_impl(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training, float momentum,
                       float eps, bool relu) {
    CT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 4),
             op << ": x must be (N,C) or (N,C,H,W), got " << (x.defined() ? x.shape() : Shape{}));
    const int64_t N = x.size(0), C = x.size(1), S = x.dim() == 4 ? x.size(2) * x.size(3) : 1, M = N * S;
    for (const Tensor* t : {&weight, &bias, &running_mean, &running_var})
        CT_CHECK(!t->defined() || t->shape() == Shape{C},
                 op << ": parameter " << t->shape() << " must be (" << C << ") for x " << x.shape());
    CT_CHECK(!training || M > 1, op << ": training needs more than one value per channel, got x "
                                     << x.shape() << " (use eval() for a single sample)");
    CT_CHECK(training || (running_mean.defined() && running_var.defined()),
             op << ": evaluation needs running_mean and running_var");
    std::vector<float> mean_c(static_cast<size_t>(C)), invstd_c(static_cast<size_t>(C));
    const float* px = x.data();
    parallel_for(C, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            double m, v;
            if (training) {
                double s = 0, s2 = 0;
                for (int64_t n = 0; n < N; ++n) {
                    const float* p = px + (n * C + c) * S;
                    for (int64_t i = 0; i < S; ++i) s += p[i];
                }
                m = s / double(M);
                for (int64_t n = 0; n < N; ++n) {
                    const float* p = px + (n * C + c) * S;
                    for (int64_t i = 0; i < S; ++i) s2 += (p[i] - m) * (p[i] - m);
                }
                v = s2 / double(M);   // biased: used to normalise
                if (running_mean.defined()) {
                    float& rm = running_mean.data()[c];
                    rm = float((1 - momentum) * rm + momentum * m);
                }
                if (running_var.defined()) {   // unbiased, as PyTorch keeps it
                    float& rv = running_var.data()[c];
                    rv = float((1 - momentum) * rv + momentum * v * double(M) / double(M - 1));
                }
            } else {
                m = running_mean.data()[c];
                v = running_var.data()[c];
            }
            mean_c[size_t(c)] = float(m);
            invstd_c[size_t(c)] = float(1.0 / std::sqrt(v + eps));
        }
    }, M);
    // y = x * scale_c + shift_c; backward needs scale and shift only for the ReLU's mask, and keeps
    // its own copy so that a weight changed before backward cannot change the mask.
    std::vector<float> scale_c(static_cast<size_t>(C)), shift_c(static_cast<size_t>(C));
    for (int64_t c = 0; c < C; ++c) {
        scale_c[size_t(c)] = invstd_c[size_t(c)] * (weight.defined() ? weight.data()[c] : 1.f);
        shift_c[size_t(c)] = (bias.defined() ? bias.data()[c] : 0.f) - mean_c[size_t(c)] * scale_c[size_t(c)];
    }
    Tensor y = Tensor::empty(x.shape());
    float* py = y.data();
    parallel_for(N * C, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const float scale = scale_c[size_t(t % C)], shift = shift_c[size_t(t % C)];
            const float* xt = px + t * S;
            float* yt = py + t * S;
            if (relu)
                for (int64_t i = 0; i < S; ++i) yt[i] = std::max(std::fma(xt[i], scale, shift), 0.f);
            else
                for (int64_t i = 0; i < S; ++i) yt[i] = std::fma(xt[i], scale, shift);
        }
    }, S);
    return record(op, y, {x, weight, bias},
                  [x, weight, mean_c, invstd_c, scale_c, shift_c, training, relu, N, C, S, M](const float* dy,
                                                                                              Grads& g) {
        float *dx = g.get(0), *dw = g.get(1), *db = g.get(2);
        const float* px = x.data();
        const float* pw = weight.defined() ? weight.data() : nullptr;
        parallel_for(C, [&](int64_t b, int64_t e) {
            for (int64_t c = b; c < e; ++c) {
                const float m = mean_c[size_t(c)], is = invstd_c[size_t(c)], wc = pw ? pw[c] : 1.f;
                const float scale = relu ? scale_c[size_t(c)] : 0.f, shift = relu ? shift_c[size_t(c)] : 0.f;
                // g: the gradient reaching the normalised y, dy masked by the ReLU where there is one
                auto g_at = [&](int64_t at) { return relu && !(std::fma(px[at], scale, shift) > 0.f) ? 0.f : dy[at]; };
                double sum_dy = 0, sum_dy_xhat = 0;   // sum g, sum g * xhat
                for (int64_t n = 0; n < N; ++n)
                    for (int64_t i = 0; i < S; ++i) {
                        const int64_t at = (n * C + c) * S + i;
                        const float gv = g_at(at);
                        sum_dy += gv;
                        sum_dy_xhat += gv * (px[at] - m) * is;
                    }
                if (dw) dw[c] += float(sum_dy_xhat);   // dw = sum g xhat
                if (db) db[c] += float(sum_dy);        // db = sum g
                if (!dx) continue;
                // training: dx = w*is/M * (M g - sum g - xhat sum g xhat);  eval: dx = w*is*g
                const float k = wc * is;
                const float mean_dy = training ? float(sum_dy / double(M)) : 0.f;
                const float mean_dy_xhat = training ? float(sum_dy_xhat / double(M)) : 0.f;
                for (int64_t n = 0; n < N; ++n)
                    for (int64_t i = 0; i < S; ++i) {
                        const int64_t at = (n * C + c) * S + i;
                        const float xhat = (px[at] - m) * is;
                        dx[at] += k * (g_at(at) - mean_dy - xhat * mean_dy_xhat);
                    }
            }
        }, M);
    });
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, float momentum, float eps) {
    return batch_norm_impl("batch_norm", x, weight, bias, running_mean, running_var, training, momentum, eps, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, float momentum, float eps) {
    return batch_norm_impl("batch_norm_relu", x, weight, bias, running_mean, running_var, training, momentum, eps,
                           true);
}

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
