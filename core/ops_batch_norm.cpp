// Batch normalisation and the two fused forms a CNN block runs, each with a hand-written backward:
//   batch_norm                   y = (x - mean_c) / sqrt(var_c + eps) * w_c + b_c
//   batch_norm_relu              max(y, 0)
//   batch_norm_relu_max_pool2x2  the 2x2 stride-2 max-pool of max(y, 0)
// x:(N,C) or (N,C,H,W), seen as (N, C, S). One pass per channel instead of ~10 composed ops and no
// intermediate (N,C,S) buffers; tests/test_ops_norm.cpp checks each against the composed formula.
// The fused forms keep only x: backward recomputes every y's sign from x with the same fma as
// forward, so its ReLU mask is exact, and the pooled form keeps a byte per output for its argmax.
// Neither the normalised tensor nor the full-size ReLU output is ever stored.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/ops.h"
#include "core/parallel.h"

namespace ct {
namespace {

// Per channel: the statistics used to normalise, and y = x * scale + shift.
struct ChannelAffine {
    int64_t N, C, S, M;   // M = N * S values per channel
    std::vector<float> mean, invstd, scale, shift;
};

// Checks the arguments, computes the batch (training) or running (eval) statistics, updates the
// running ones when training, and folds weight and bias into scale and shift. Backward keeps its
// own copy of scale and shift, so a weight changed before backward cannot change the mask.
ChannelAffine channel_affine(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var, bool training, float momentum,
                             float eps) {
    CT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 4),
             op << ": x must be (N,C) or (N,C,H,W), got " << (x.defined() ? x.shape() : Shape{}));
    const int64_t N = x.size(0), C = x.size(1), S = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
    ChannelAffine a{N, C, S, N * S, {}, {}, {}, {}};
    for (const Tensor* t : {&weight, &bias, &running_mean, &running_var})
        CT_CHECK(!t->defined() || t->shape() == Shape{C},
                 op << ": parameter " << t->shape() << " must be (" << C << ") for x " << x.shape());
    CT_CHECK(!training || a.M > 1, op << ": training needs more than one value per channel, got x "
                                      << x.shape() << " (use eval() for a single sample)");
    CT_CHECK(training || (running_mean.defined() && running_var.defined()),
             op << ": evaluation needs running_mean and running_var");
    for (auto* v : {&a.mean, &a.invstd, &a.scale, &a.shift}) v->resize(size_t(C));
    const float* px = x.data();
    parallel_for(C, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            double m, v;
            if (training) {   // two passes (mean, then squared deviations): no cancellation
                double s = 0, s2 = 0;   // float within a plane, so that the sums vectorize
                for (int64_t n = 0; n < N; ++n) {
                    const float* p = px + (n * C + c) * S;
                    float plane = 0.f;
#pragma omp simd reduction(+ : plane)
                    for (int64_t i = 0; i < S; ++i) plane += p[i];
                    s += plane;
                }
                m = s / double(a.M);
                const float mf = float(m);
                for (int64_t n = 0; n < N; ++n) {
                    const float* p = px + (n * C + c) * S;
                    float plane = 0.f;
#pragma omp simd reduction(+ : plane)
                    for (int64_t i = 0; i < S; ++i) plane += (p[i] - mf) * (p[i] - mf);
                    s2 += plane;
                }
                v = s2 / double(a.M);   // biased: used to normalise
                if (running_mean.defined()) {
                    float& rm = running_mean.data()[c];
                    rm = float((1 - momentum) * rm + momentum * m);
                }
                if (running_var.defined()) {   // unbiased, as PyTorch keeps it
                    float& rv = running_var.data()[c];
                    rv = float((1 - momentum) * rv + momentum * v * double(a.M) / double(a.M - 1));
                }
            } else {
                m = running_mean.data()[c];
                v = running_var.data()[c];
            }
            const size_t k = size_t(c);
            a.mean[k] = float(m);
            a.invstd[k] = float(1.0 / std::sqrt(v + eps));
            a.scale[k] = a.invstd[k] * (weight.defined() ? weight.data()[c] : 1.f);
            a.shift[k] = (bias.defined() ? bias.data()[c] : 0.f) - a.mean[k] * a.scale[k];
        }
    }, a.M);
    return a;
}

// The ReLU's mask, recomputed from x exactly as forward computed y.
inline bool relu_passes(float x, float scale, float shift) { return std::fma(x, scale, shift) > 0.f; }

// Given the sums over a channel of g (the gradient reaching the normalised y) and of g * xhat:
// dw = sum g xhat, db = sum g, and dx = k (g - mean g - xhat mean(g xhat)) with k = w * invstd,
// the mean terms present only in training (eval is an affine map per channel).
struct ChannelBackward {
    float k, mean_g, mean_g_xhat;
};
ChannelBackward finish_channel(const ChannelAffine& a, int64_t c, const float* pw, bool training, double sum_g,
                               double sum_g_xhat, float* dw, float* db) {
    if (dw) dw[c] += float(sum_g_xhat);
    if (db) db[c] += float(sum_g);
    return {(pw ? pw[c] : 1.f) * a.invstd[size_t(c)], training ? float(sum_g / double(a.M)) : 0.f,
            training ? float(sum_g_xhat / double(a.M)) : 0.f};
}

// batch_norm's and batch_norm_relu's backward over channels [c0, c1). Relu is a template argument
// so that the mask costs a compare and a blend in vector code, not a branch per element.
template <bool Relu>
void batch_norm_backward(const ChannelAffine& a, int64_t c0, int64_t c1, const float* px, const float* pw,
                         bool training, const float* dy, float* dx, float* dw, float* db) {
    for (int64_t c = c0; c < c1; ++c) {
        const float m = a.mean[size_t(c)], is = a.invstd[size_t(c)];
        const float scale = a.scale[size_t(c)], shift = a.shift[size_t(c)];
        double sum_g = 0, sum_g_xhat = 0;   // sum g, sum g * xhat (in float within a plane)
        for (int64_t n = 0; n < a.N; ++n) {
            const float* xp = px + (n * a.C + c) * a.S;
            const float* dyp = dy + (n * a.C + c) * a.S;
            float s_g = 0.f, s_gx = 0.f;
#pragma omp simd reduction(+ : s_g, s_gx)
            for (int64_t i = 0; i < a.S; ++i) {
                const float gv = !Relu || relu_passes(xp[i], scale, shift) ? dyp[i] : 0.f;
                s_g += gv;
                s_gx += gv * (xp[i] - m);
            }
            sum_g += s_g;
            sum_g_xhat += double(s_gx) * is;
        }
        const ChannelBackward cb = finish_channel(a, c, pw, training, sum_g, sum_g_xhat, dw, db);
        if (!dx) continue;
        const float k_xhat = is * cb.mean_g_xhat;
        for (int64_t n = 0; n < a.N; ++n) {
            const float* xp = px + (n * a.C + c) * a.S;
            const float* dyp = dy + (n * a.C + c) * a.S;
            float* dxp = dx + (n * a.C + c) * a.S;
#pragma omp simd
            for (int64_t i = 0; i < a.S; ++i) {
                const float gv = !Relu || relu_passes(xp[i], scale, shift) ? dyp[i] : 0.f;
                dxp[i] += cb.k * (gv - cb.mean_g - (xp[i] - m) * k_xhat);
            }
        }
    }
}

Tensor batch_norm_impl(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training, float momentum,
                       float eps, bool relu) {
    const ChannelAffine a = channel_affine(op, x, weight, bias, running_mean, running_var, training, momentum, eps);
    Tensor y = Tensor::empty(x.shape());
    const float* px = x.data();
    float* py = y.data();
    parallel_for(a.N * a.C, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
            const float scale = a.scale[size_t(t % a.C)], shift = a.shift[size_t(t % a.C)];
            const float* xt = px + t * a.S;
            float* yt = py + t * a.S;
            if (relu)
                for (int64_t i = 0; i < a.S; ++i) yt[i] = std::max(std::fma(xt[i], scale, shift), 0.f);
            else
                for (int64_t i = 0; i < a.S; ++i) yt[i] = std::fma(xt[i], scale, shift);
        }
    }, a.S);
    return record(op, y, {x, weight, bias}, [x, weight, a, training, relu](const float* dy, Grads& g) {
        float *dx = g.get(0), *dw = g.get(1), *db = g.get(2);
        const float* pw = weight.defined() ? weight.data() : nullptr;
        parallel_for(a.C, [&](int64_t c0, int64_t c1) {
            if (relu) batch_norm_backward<true>(a, c0, c1, x.data(), pw, training, dy, dx, dw, db);
            else batch_norm_backward<false>(a, c0, c1, x.data(), pw, training, dy, dx, dw, db);
        }, a.M);
    });
}

// batch_norm_relu_max_pool2x2's backward over channels [c0, c1): g is dy at each output's source
// position when the ReLU passes it, and 0 everywhere else. Both passes walk the 2x2 windows with
// selects (no gather, no branch per element) so that they vectorize like the forward.
void pooled_backward(const ChannelAffine& a, int64_t c0, int64_t c1, int64_t H, int64_t W, int64_t HO, int64_t WO,
                     const float* px, const uint8_t* window, const float* pw, bool training, const float* dy,
                     float* dx, float* dw, float* db) {
    const int64_t C = a.C, N = a.N, P = HO * WO;
    // The routed gradients of a channel's N planes (kept for the dx pass) and a plane's inputs at the
    // routed positions, reduced in one long loop per plane: reducing row by row costs a horizontal sum
    // per row of only 4-16 outputs. e0, e1: dx contributions of one row pair, at full resolution. From
    // the tensor pool: a fresh buffer of this size (0.5 MB for E2's first pool) faults in new pages.
    const Tensor scratch = Tensor::empty({N * P + P + 4 * WO});
    float *g = scratch.data(), *src = g + N * P, *e0 = src + P, *e1 = e0 + 2 * WO;
    for (int64_t c = c0; c < c1; ++c) {
        const float m = a.mean[size_t(c)], is = a.invstd[size_t(c)];
        const float scale = a.scale[size_t(c)], shift = a.shift[size_t(c)];
        double sum_g = 0, sum_g_xhat = 0;
        for (int64_t n = 0; n < N; ++n) {
            for (int64_t oh = 0; oh < HO; ++oh) {
                const float* x0 = px + (n * C + c) * H * W + 2 * oh * W;
                const float* x1 = x0 + W;
                const float* d = dy + (n * C + c) * P + oh * WO;
                const uint8_t* wo = window + (n * C + c) * P + oh * WO;
                float *go = g + n * P + oh * WO, *so = src + oh * WO;
#pragma omp simd
                for (int64_t ow = 0; ow < WO; ++ow) {
                    // all four loaded, then a select of values: GCC does not vectorize a select of loads
                    const int k = wo[ow];
                    const float a00 = x0[2 * ow], a01 = x0[2 * ow + 1], a10 = x1[2 * ow], a11 = x1[2 * ow + 1];
                    const float xs = k == 0 ? a00 : k == 1 ? a01 : k == 2 ? a10 : a11;
                    go[ow] = relu_passes(xs, scale, shift) ? d[ow] : 0.f;
                    so[ow] = xs;
                }
            }
            float s_g = 0.f, s_gx = 0.f;
#pragma omp simd reduction(+ : s_g, s_gx)
            for (int64_t i = 0; i < P; ++i) {
                s_g += g[n * P + i];
                s_gx += g[n * P + i] * (src[i] - m);
            }
            sum_g += s_g;
            sum_g_xhat += double(s_gx) * is;
        }
        const ChannelBackward cb = finish_channel(a, c, pw, training, sum_g, sum_g_xhat, dw, db);
        if (!dx) continue;
        // dx = k g - k (mean g + xhat mean(g xhat)); the mean terms are 0 in eval
        const float k = cb.k, k_mean = cb.k * cb.mean_g, k_xhat = cb.k * is * cb.mean_g_xhat;
        for (int64_t n = 0; n < N; ++n) {
            const float* xp = px + (n * C + c) * H * W;
            float* dxp = dx + (n * C + c) * H * W;
            if (training)   // the mean terms reach every position, routed or not
#pragma omp simd
                for (int64_t i = 0; i < H * W; ++i) dxp[i] -= k_mean + (xp[i] - m) * k_xhat;
            for (int64_t oh = 0; oh < HO; ++oh) {
                float* d0 = dxp + 2 * oh * W;
                float* d1 = d0 + W;
                const float* go = g + n * P + oh * WO;   // already 0 where the ReLU stops it
                const uint8_t* wo = window + (n * C + c) * P + oh * WO;
                // stores to a scratch row pair first, the window index as a float: GCC vectorizes neither
                // a += into every other float nor an int compare feeding float selects there
#pragma omp simd
                for (int64_t ow = 0; ow < WO; ++ow) {
                    const float kw = wo[ow];
                    const float kd = k * go[ow];
                    e0[2 * ow] = kw == 0.f ? kd : 0.f;
                    e0[2 * ow + 1] = kw == 1.f ? kd : 0.f;
                    e1[2 * ow] = kw == 2.f ? kd : 0.f;
                    e1[2 * ow + 1] = kw == 3.f ? kd : 0.f;
                }
#pragma omp simd
                for (int64_t i = 0; i < 2 * WO; ++i) {
                    d0[i] += e0[i];
                    d1[i] += e1[i];
                }
            }
        }
    }
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

// x:(N,C,H,W) -> (N,C,H/2,W/2). Each output is the first maximum, in row-major window order, of
// its window's four max(y, 0), as max_pool2d(relu(batch_norm(x)), 2) picks it. Backward routes dy to
// that position, masks it by the ReLU, and runs batch_norm's backward with g zero elsewhere.
Tensor batch_norm_relu_max_pool2x2(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                   const Tensor& running_mean, const Tensor& running_var, bool training,
                                   float momentum, float eps) {
    const char* op = "batch_norm_relu_max_pool2x2";
    CT_CHECK(x.defined() && x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2,
             op << ": x must be (N,C,H,W) with H, W >= 2, got " << (x.defined() ? x.shape() : Shape{}));
    const ChannelAffine a = channel_affine(op, x, weight, bias, running_mean, running_var, training, momentum, eps);
    const int64_t H = x.size(2), W = x.size(3), HO = H / 2, WO = W / 2, P = HO * WO;
    Tensor y = Tensor::empty({a.N, a.C, HO, WO});
    // the window position of each maximum (0..3, row-major), a byte each, in a block of the pool
    auto window = std::make_shared<detail::Storage>((a.N * a.C * P + 3) / 4);
    uint8_t* pwin = reinterpret_cast<uint8_t*>(window->data);
    const float* px = x.data();
    float* py = y.data();
    const int64_t C = a.C;
    const float *scales = a.scale.data(), *shifts = a.shift.data();
    parallel_for(a.N * C, [=](int64_t b, int64_t e) {   // copies, not references: see below
        for (int64_t t = b; t < e; ++t) {
            const float scale = scales[t % C], shift = shifts[t % C];
            for (int64_t oh = 0; oh < HO; ++oh) {
                const float* r0 = px + t * H * W + 2 * oh * W;
                const float* r1 = r0 + W;
                float* yo = py + t * P + oh * WO;
                uint8_t* wo = pwin + t * P + oh * WO;
                // selects, not branches, so that the loop vectorizes (as max_pool2d's 2x2 path); the
                // bounds are locals because a byte store may alias anything a reference points to
#pragma omp simd
                for (int64_t ow = 0; ow < WO; ++ow) {
                    const float v00 = std::max(std::fma(r0[2 * ow], scale, shift), 0.f);
                    const float v01 = std::max(std::fma(r0[2 * ow + 1], scale, shift), 0.f);
                    const float v10 = std::max(std::fma(r1[2 * ow], scale, shift), 0.f);
                    const float v11 = std::max(std::fma(r1[2 * ow + 1], scale, shift), 0.f);
                    float best = v00;
                    int32_t at = 0;
                    at = v01 > best ? 1 : at;
                    best = v01 > best ? v01 : best;
                    at = v10 > best ? 2 : at;
                    best = v10 > best ? v10 : best;
                    at = v11 > best ? 3 : at;
                    best = v11 > best ? v11 : best;
                    yo[ow] = best;
                    wo[ow] = uint8_t(at);
                }
            }
        }
    }, 4 * P);
    return record(op, y, {x, weight, bias}, [x, weight, a, window, training, H, W, HO, WO](const float* dy, Grads& g) {
        float *dx = g.get(0), *dw = g.get(1), *db = g.get(2);
        const float* pw = weight.defined() ? weight.data() : nullptr;
        parallel_for(a.C, [&](int64_t c0, int64_t c1) {
            pooled_backward(a, c0, c1, H, W, HO, WO, x.data(), reinterpret_cast<const uint8_t*>(window->data), pw,
                            training, dy, dx, dw, db);
        }, a.M);
    });
}

}  // namespace ct
