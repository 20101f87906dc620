// Pooling over (N,C,H,W) planes, parallel over planes. max_pool2d keeps the argmax of each window
// for backward (cheaper than recomputing it, and exact under ties: the first maximum wins).
// relu_max_pool2x2 is max_pool2d(relu(x + bias), 2) in one pass each way (a CNN block's tail).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "core/ops.h"
#include "core/parallel.h"
#include "core/pool_kernels.h"

namespace ct {
namespace {

struct PoolGeometry {
    int64_t planes, H, W, k, stride, pad, HO, WO;
};

PoolGeometry pool_geometry(const char* op, const Tensor& x, int64_t k, int64_t stride, int64_t pad) {
    CT_CHECK(x.defined() && x.dim() == 4, op << ": x must be (N,C,H,W), got "
                                             << (x.defined() ? x.shape() : Shape{}));
    if (stride == 0) stride = k;
    CT_CHECK(k >= 1 && stride >= 1 && pad >= 0 && pad * 2 <= k,
             op << ": kernel " << k << ", stride " << stride << ", padding " << pad
                << " invalid (padding at most half the kernel)");
    const int64_t H = x.size(2), W = x.size(3);
    CT_CHECK(H + 2 * pad >= k && W + 2 * pad >= k,
             op << ": kernel " << k << " larger than the input " << x.shape());
    return {x.size(0) * x.size(1), H, W, k, stride, pad, (H + 2 * pad - k) / stride + 1,
            (W + 2 * pad - k) / stride + 1};
}

// The 2x2 stride-2 window without padding, E1's and E2's pooling: the four candidates of a row of
// outputs compared with selects instead of a loop with a branch per element, so the compiler
// vectorizes it (the general loop made the forward 10x its backward). Ties keep the first maximum
// in row-major window order, as the general loop does.
void max_pool_2x2(const float* in, int64_t H, int64_t W, int64_t HO, int64_t WO, float* out, int32_t* arg) {
    for (int64_t oh = 0; oh < HO; ++oh) {
        const float* r0 = in + 2 * oh * W;
        const float* r1 = r0 + W;
        float* y = out + oh * WO;
        int32_t* a = arg + oh * WO;
        const int32_t base = int32_t(2 * oh * W), w = int32_t(W);
#pragma omp simd
        for (int64_t ow = 0; ow < WO; ++ow) {
            const float v00 = r0[2 * ow], v01 = r0[2 * ow + 1], v10 = r1[2 * ow], v11 = r1[2 * ow + 1];
            const int32_t i00 = base + int32_t(2 * ow);
            float best = v00;
            int32_t at = i00;
            at = v01 > best ? i00 + 1 : at;
            best = v01 > best ? v01 : best;
            at = v10 > best ? i00 + w : at;
            best = v10 > best ? v10 : best;
            at = v11 > best ? i00 + w + 1 : at;
            best = v11 > best ? v11 : best;
            y[ow] = best;
            a[ow] = at;
        }
    }
}

// relu as ct::relu computes it (a NaN becomes 0, as there)
inline float relu_value(float v) { return v > 0.f ? v : 0.f; }

// relu_max_pool2x2's record of each output: the window position (0..3, row-major) its gradient goes
// to, or that position with the kNoRoute bit set when the output is 0 (every relu in the window is 0,
// so none passes a gradient).
constexpr uint8_t kNoRoute = 4;

// relu_max_pool2x2's kernels are written without a conditional (integer masks, max), and walk a row
// in chunks of 8 outputs (4 when the row is shorter), the last chunk overlapping the one before:
// harmless, as a chunk only assigns. Why: E1's rows are 14 and 7 outputs long. A plain loop over a
// row with a byte store vectorizes 32 outputs at a time, so such rows ran as the compiler's scalar
// code, which branched on every comparison of random data (2x slower than relu and max_pool2d
// apart); the routes therefore go through an int32 array, and a chunk runs as one vector step.
inline int32_t mask_of(bool b) { return -int32_t(b); }   // all ones or all zeros
inline float bits_to_float(int32_t i) {
    float f;
    std::memcpy(&f, &i, sizeof f);
    return f;
}
constexpr int64_t kChunk = 8;

// The chunks [s, s + n) of a row of WO outputs, n = 8, 4 or (a row under 4) WO.
template <class F>
void over_row(int64_t WO, F chunk) {
    const int64_t n = WO >= kChunk ? kChunk : WO >= 4 ? 4 : WO;
    for (int64_t s = 0; s < WO; s += n) chunk(std::min(s, WO - n), n);
}

// Output j of a row: the first maximum of relu(x + bias) in its window (ties in row-major window
// order, as max_pool2d(relu(x + bias)) picks) and its route.
inline void pool_window(const float* r0, const float* r1, int64_t j, float bias, float* y, int32_t* route) {
    const float v00 = relu_value(r0[2 * j] + bias), v01 = relu_value(r0[2 * j + 1] + bias);
    const float v10 = relu_value(r1[2 * j] + bias), v11 = relu_value(r1[2 * j + 1] + bias);
    int32_t at = 0;
    float best = v00;
    at |= mask_of(v01 > best) & 1;   // a later position wins only when strictly larger
    best = std::max(best, v01);
    at = (at & ~mask_of(v10 > best)) | (mask_of(v10 > best) & 2);
    best = std::max(best, v10);
    at = (at & ~mask_of(v11 > best)) | (mask_of(v11 > best) & 3);
    best = std::max(best, v11);
    y[j] = best;
    route[j] = at | (mask_of(!(best > 0.f)) & kNoRoute);
}

// Output j of a row of the backward into a fresh gradient: dy at the routed position, 0 at the
// window's other three (by masking dy's bits, so an infinite dy leaves exact zeros, as
// max_pool2d's scatter does).
inline void route_window(const int32_t* route, const float* dy, int64_t j, float* d0, float* d1) {
    const int32_t k = route[j];
    int32_t g;
    std::memcpy(&g, dy + j, sizeof g);
    d0[2 * j] = bits_to_float(g & mask_of(k == 0));
    d0[2 * j + 1] = bits_to_float(g & mask_of(k == 1));
    d1[2 * j] = bits_to_float(g & mask_of(k == 2));
    d1[2 * j + 1] = bits_to_float(g & mask_of(k == 3));
}

}  // namespace

namespace detail {

// One plane of the forward (core/pool_kernels.h).
void relu_max_pool_plane(const float* in, int64_t W, int64_t HO, int64_t WO, float bias, float* out,
                         uint8_t* route) {
    int32_t at[kChunk];
    for (int64_t oh = 0; oh < HO; ++oh)
        over_row(WO, [&](int64_t s, int64_t n) {
            const float* r0 = in + 2 * oh * W + 2 * s;
            const float* r1 = r0 + W;
            float* y = out + oh * WO + s;
            if (n == kChunk) {
#pragma omp simd
                for (int64_t j = 0; j < kChunk; ++j) pool_window(r0, r1, j, bias, y, at);
            } else {
#pragma omp simd simdlen(4)
                for (int64_t j = 0; j < n; ++j) pool_window(r0, r1, j, bias, y, at);
            }
            for (int64_t j = 0; j < n; ++j) route[oh * WO + s + j] = uint8_t(at[j]);
        });
}

// One plane of the backward. add accumulates (+=) into an existing gradient (rare: a plain loop);
// otherwise every element of dx is assigned, the edges no window covers (odd H or W) included.
void relu_max_pool_plane_backward(const uint8_t* route, const float* dy, int64_t H, int64_t W, int64_t HO,
                                  int64_t WO, float* dx, bool add) {
    int32_t k[kChunk];
    for (int64_t oh = 0; oh < HO; ++oh) {
        const uint8_t* ro = route + oh * WO;
        const float* d = dy + oh * WO;
        float* d0 = dx + 2 * oh * W;
        float* d1 = d0 + W;
        if (add) {
            for (int64_t ow = 0; ow < WO; ++ow) {
                const int r = ro[ow];
                if (r & kNoRoute) continue;
                (r < 2 ? d0 : d1)[2 * ow + (r & 1)] += d[ow];
            }
            continue;
        }
        over_row(WO, [&](int64_t s, int64_t n) {
            for (int64_t j = 0; j < n; ++j) k[j] = ro[s + j];
            if (n == kChunk) {
#pragma omp simd
                for (int64_t j = 0; j < kChunk; ++j) route_window(k, d + s, j, d0 + 2 * s, d1 + 2 * s);
            } else {
#pragma omp simd simdlen(4)
                for (int64_t j = 0; j < n; ++j) route_window(k, d + s, j, d0 + 2 * s, d1 + 2 * s);
            }
        });
        if (W % 2) d0[W - 1] = d1[W - 1] = 0.f;   // the column no window covers
    }
    if (!add && H % 2) std::fill(dx + (H - 1) * W, dx + H * W, 0.f);   // the row no window covers
}

// The sum of a plane's routed dy: its share of the bias gradient (a flat loop over the plane)
float routed_sum(const uint8_t* route, const float* dy, int64_t P) {
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t o = 0; o < P; ++o) s += route[o] & kNoRoute ? 0.f : dy[o];
    return s;
}

}  // namespace detail

// y[n,c,oh,ow] = max over the k x k window.   dx[argmax] += dy
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
    const PoolGeometry g = pool_geometry("max_pool2d", x, kernel, stride, padding);
    Tensor y = Tensor::empty({x.size(0), x.size(1), g.HO, g.WO});
    // The index of each maximum within its input plane, in a block of the tensor pool: a fresh
    // std::vector here would zero-fill (and page-fault) megabytes on every call.
    auto argmax = std::make_shared<detail::Storage>(y.numel());
    int32_t* pa = reinterpret_cast<int32_t*>(argmax->data);
    const float* px = x.data();
    float* py = y.data();
    const bool two_by_two = g.k == 2 && g.stride == 2 && g.pad == 0;
    parallel_for(g.planes, [&](int64_t b, int64_t e) {
        for (int64_t pl = b; pl < e; ++pl) {
            const float* in = px + pl * g.H * g.W;
            if (two_by_two) {
                max_pool_2x2(in, g.H, g.W, g.HO, g.WO, py + pl * g.HO * g.WO, pa + pl * g.HO * g.WO);
                continue;
            }
            for (int64_t oh = 0; oh < g.HO; ++oh)
                for (int64_t ow = 0; ow < g.WO; ++ow) {
                    const int64_t h0 = oh * g.stride - g.pad, w0 = ow * g.stride - g.pad;
                    // The window clipped to the input: without padding it is never clipped, and
                    // the inner loops below then run without a bounds test per element.
                    const int64_t i0 = std::max<int64_t>(0, -h0), i1 = std::min(g.k, g.H - h0);
                    const int64_t j0 = std::max<int64_t>(0, -w0), j1 = std::min(g.k, g.W - w0);
                    int64_t at = (h0 + i0) * g.W + w0 + j0;
                    float best = in[at];
                    for (int64_t i = i0; i < i1; ++i) {
                        const int64_t row = (h0 + i) * g.W + w0;
                        for (int64_t j = j0; j < j1; ++j)
                            if (in[row + j] > best) { best = in[row + j]; at = row + j; }
                    }
                    const int64_t o = (pl * g.HO + oh) * g.WO + ow;
                    py[o] = best;
                    pa[o] = int32_t(at);
                }
        }
    }, g.HO * g.WO * g.k * g.k);
    return record("max_pool2d", y, {x}, [g, argmax](const float* dy, Grads& grads) {
        float* dx = grads.get(0);
        if (!dx) return;
        const int32_t* pa = reinterpret_cast<const int32_t*>(argmax->data);
        parallel_for(g.planes, [&](int64_t b, int64_t e) {
            for (int64_t pl = b; pl < e; ++pl)
                for (int64_t o = pl * g.HO * g.WO; o < (pl + 1) * g.HO * g.WO; ++o)
                    dx[pl * g.H * g.W + pa[o]] += dy[o];
        }, g.HO * g.WO);
    });
}

// x:(N,C,H,W) bias:(C) or undefined -> (N,C,H/2,W/2): max_pool2d(relu(x + bias[c]), 2), one pass
// each way. Keeps a byte per output (where its gradient goes), neither x nor the full-size relu
// output, so the conv output before it can be freed after forward. What nn::Sequential runs for
// ReLU, MaxPool2d(2) and for Conv2d, ReLU, MaxPool2d(2) (the conv then adds no bias of its own: its
// bias gradient here is a sum over the 4x smaller pooled gradient).
//   dx[routed position] = dy, 0 elsewhere;   dbias[c] += sum of the routed dy of channel c
Tensor relu_max_pool2x2(const Tensor& x, const Tensor& bias) {
    CT_CHECK(x.defined() && x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2,
             "relu_max_pool2x2: x must be (N,C,H,W) with H, W >= 2, got " << (x.defined() ? x.shape() : Shape{}));
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), HO = H / 2, WO = W / 2;
    CT_CHECK(!bias.defined() || bias.shape() == Shape{C},
             "relu_max_pool2x2: bias " << bias.shape() << " must be (" << C << ") for x " << x.shape());
    const int64_t P = HO * WO;
    Tensor y = Tensor::empty({N, C, HO, WO});
    auto route = std::make_shared<detail::Storage>((N * C * P + 3) / 4);   // bytes, in a block of the pool
    const float* px = x.data();
    const float* pb = bias.defined() ? bias.data() : nullptr;
    float* py = y.data();
    uint8_t* pr = reinterpret_cast<uint8_t*>(route->data);
    parallel_for(N * C, [=](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t)
            detail::relu_max_pool_plane(px + t * H * W, W, HO, WO, pb ? pb[t % C] : 0.f, py + t * P, pr + t * P);
    }, 4 * P);
    return record("relu_max_pool2x2", y, {x, bias}, [route, N, C, H, W, HO, WO](const float* dy, Grads& g) {
        const int64_t P = HO * WO;
        const uint8_t* pr = reinterpret_cast<const uint8_t*>(route->data);
        const Grads::Whole dx = g.get_whole(0);
        float* db = g.get(1);
        if (!dx.data && !db) return;
        std::vector<float> routed(db ? size_t(N * C) : 0);   // per plane, summed per channel below
        float* pd = dx.data;
        float* sums = db ? routed.data() : nullptr;
        const bool add = dx.add;
        parallel_for(N * C, [=](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) {
                if (pd) detail::relu_max_pool_plane_backward(pr + t * P, dy + t * P, H, W, HO, WO, pd + t * H * W, add);
                if (sums) sums[t] = detail::routed_sum(pr + t * P, dy + t * P, P);
            }
        }, 4 * P);
        if (db)
            for (int64_t c = 0; c < C; ++c) {
                double s = 0;
                for (int64_t n = 0; n < N; ++n) s += sums[n * C + c];
                db[c] += float(s);
            }
    });
}

// y = mean over the k x k window (no padding).   dx[window] += dy / k^2
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride) {
    const PoolGeometry g = pool_geometry("avg_pool2d", x, kernel, stride, 0);
    Tensor y = Tensor::empty({x.size(0), x.size(1), g.HO, g.WO});
    const float* px = x.data();
    float* py = y.data();
    const float scale = 1.f / float(g.k * g.k);
    parallel_for(g.planes, [&](int64_t b, int64_t e) {
        for (int64_t pl = b; pl < e; ++pl)
            for (int64_t oh = 0; oh < g.HO; ++oh)
                for (int64_t ow = 0; ow < g.WO; ++ow) {
                    float acc = 0;
                    for (int64_t i = 0; i < g.k; ++i)
                        for (int64_t j = 0; j < g.k; ++j)
                            acc += px[pl * g.H * g.W + (oh * g.stride + i) * g.W + ow * g.stride + j];
                    py[(pl * g.HO + oh) * g.WO + ow] = acc * scale;
                }
    }, g.HO * g.WO * g.k * g.k);
    return record("avg_pool2d", y, {x}, [g, scale](const float* dy, Grads& grads) {
        float* dx = grads.get(0);
        if (!dx) return;
        parallel_for(g.planes, [&](int64_t b, int64_t e) {
            for (int64_t pl = b; pl < e; ++pl)
                for (int64_t oh = 0; oh < g.HO; ++oh)
                    for (int64_t ow = 0; ow < g.WO; ++ow) {
                        const float d = dy[(pl * g.HO + oh) * g.WO + ow] * scale;
                        for (int64_t i = 0; i < g.k; ++i)
                            for (int64_t j = 0; j < g.k; ++j)
                                dx[pl * g.H * g.W + (oh * g.stride + i) * g.W + ow * g.stride + j] += d;
                    }
        }, g.HO * g.WO * g.k * g.k);
    });
}

// (N,C,H,W) -> (N,C,S,S) when S divides H and W: an average pool with window H/S.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_size) {
    CT_CHECK(x.defined() && x.dim() == 4 && out_size >= 1 && x.size(2) % out_size == 0 &&
                 x.size(3) % out_size == 0 && x.size(2) == x.size(3),
             "adaptive_avg_pool2d: needs square (N,C,H,W) with H divisible by " << out_size << ", got "
                                                                                << (x.defined() ? x.shape() : Shape{}));
    return avg_pool2d(x, x.size(2) / out_size, x.size(2) / out_size);
}

// (N,C,H,W) -> (N,C): the mean of each plane.
Tensor global_avg_pool2d(const Tensor& x) {
    CT_CHECK(x.defined() && x.dim() == 4, "global_avg_pool2d: x must be (N,C,H,W), got "
                                              << (x.defined() ? x.shape() : Shape{}));
    return mean(reshape(x, {x.size(0), x.size(1), x.size(2) * x.size(3)}), 2);
}

}  // namespace ct
