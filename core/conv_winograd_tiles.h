// What the Winograd driver (core/conv_winograd.cpp) shares with the transforms of each tile size
// (F(2x2,3x3) there, F(2x2,5x5) in core/conv_winograd5.cpp, F(4x4,3x3) in core/conv_winograd43.cpp):
// the tiling of an image and the table of six transforms the driver calls per block of images.
// Internal to those files.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "core/conv_winograd.h"

namespace ct::detail {

// m x m output tiles over an image (m = s.m); the input tile of a KxK kernel is alpha x alpha,
// alpha = m + K - 1.
struct Tiling {
    WinogradShape s;
    int64_t TH, TW;   // output tiles per column and row (the last may hang over the edge)
    int64_t WP;       // width of a padded row of input tiles: m TW + K - 1 >= W + 2 pad
    int64_t alpha;    // input tile side: alpha^2 products per tile and channel pair
    explicit Tiling(const WinogradShape& sh)
        : s(sh), TH((sh.HO() + sh.m - 1) / sh.m), TW((sh.WO() + sh.m - 1) / sh.m),
          WP(sh.m * ((sh.WO() + sh.m - 1) / sh.m) + sh.K - 1), alpha(sh.m + sh.K - 1) {}
    int64_t tiles() const { return TH * TW; }
    int64_t positions() const { return alpha * alpha; }
};

// rows[k*stride + xx] = the input row m ty - pad + k of `plane`, column xx - pad, for k < alpha and
// xx < stride (zero outside the image; stride >= WP): the padded rows a tile row's input transform reads.
inline void load_padded_rows(const Tiling& t, const float* plane, int64_t ty, float* rows, int64_t stride) {
    const WinogradShape& s = t.s;
    for (int64_t k = 0; k < t.alpha; ++k) {
        float* row = rows + k * stride;
        const int64_t ih = s.m * ty - s.pad + k;
        std::fill(row, row + stride, 0.f);
        if (ih >= 0 && ih < s.H) std::memcpy(row + s.pad, plane + ih * s.W, size_t(s.W) * sizeof(float));
    }
}
inline void load_padded_rows(const Tiling& t, const float* plane, int64_t ty, float* rows) {
    load_padded_rows(t, plane, ty, rows, t.WP);
}

// What F(2x2,5x5) and F(4x4,3x3) share: the B^T of the points 0, +-1, +-2 and infinity, applied by
// the 1-D transforms below to arrays of n values, one value per tile. Arrays over a chunk of tiles
// give the vector units long contiguous rows, where a loop over one tile row (2-8 tiles in E1's and
// E2's images) ran scalar.

using In6 = std::array<const float*, 6>;   // the six input arrays of a 1-D transform
using Out6 = std::array<float*, 6>;        // and its six outputs

// Six arrays `stride` floats apart from base
template <class T>
std::array<T*, 6> six(T* base, int64_t stride) {
    return {base, base + stride, base + 2 * stride, base + 3 * stride, base + 4 * stride, base + 5 * stride};
}

// o_i = sum_k B^T[i][k] d_k, for floats or vectors of them
template <class F>
inline void bt(const F& d0, const F& d1, const F& d2, const F& d3, const F& d4, const F& d5, F* o) {
    const F a = d4 - 4.f * d2, b = d3 - 4.f * d1, cc = d4 - d2, g = 2.f * (d3 - d1);
    o[0] = 4.f * d0 - 5.f * d2 + d4;
    o[1] = a + b;
    o[2] = a - b;
    o[3] = cc + g;
    o[4] = cc - g;
    o[5] = 4.f * d1 - 5.f * d3 + d5;
}

// out_i = sum_k B^T[i][k] in_k (6 -> 6)
inline void bt6(const In6& in, const Out6& out, int64_t n) {
    const float *i0 = in[0], *i1 = in[1], *i2 = in[2], *i3 = in[3], *i4 = in[4], *i5 = in[5];
    float *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3], *o4 = out[4], *o5 = out[5];
#pragma GCC ivdep   // no output overlaps an input or another output
    for (int64_t e = 0; e < n; ++e) {
        float o[6];
        bt(i0[e], i1[e], i2[e], i3[e], i4[e], i5[e], o);
        o0[e] = o[0];
        o1[e] = o[1];
        o2[e] = o[2];
        o3[e] = o[3];
        o4[e] = o[4];
        o5[e] = o[5];
    }
}

// out[x] (+)= sum_l B^T[l][a] q_l[x] for x < n: row a of B q, B's combination of six rows (the input
// gradient's B dV B^T, along one direction). Add: accumulate into out, else overwrite it.
template <bool Add>
inline void b_row(int64_t a, const In6& q, float* out, int64_t n) {
    const float *q0 = q[0], *q1 = q[1], *q2 = q[2], *q3 = q[3], *q4 = q[4], *q5 = q[5];
    auto put = [out](int64_t x, float v) { out[x] = Add ? out[x] + v : v; };
    switch (a) {
    case 0:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, 4.f * q0[x]);
        break;
    case 1:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, -4.f * (q1[x] - q2[x]) - 2.f * (q3[x] - q4[x]) + 4.f * q5[x]);
        break;
    case 2:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, -5.f * q0[x] - 4.f * (q1[x] + q2[x]) - (q3[x] + q4[x]));
        break;
    case 3:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, (q1[x] - q2[x]) + 2.f * (q3[x] - q4[x]) - 5.f * q5[x]);
        break;
    case 4:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, q0[x] + q1[x] + q2[x] + q3[x] + q4[x]);
        break;
    default:
#pragma GCC ivdep
        for (int64_t x = 0; x < n; ++x) put(x, q5[x]);
        break;
    }
}

// U[xi, o, c] = (G g G^T)[xi] for every K x K kernel g = w[o, c], G having 6 rows: (36, OUT, C).
// g_apply(a, k, u, ku): u[l ku] = (G a)_l for the K values a[0], a[k], ..., a[(K-1) k].
template <int K, class GApply>
void transform_weights_6(const WinogradShape& s, const float* w, float* U, GApply g_apply) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        float Gg[6][K];   // G g: G combines the kernel's rows, column by column
        for (int j = 0; j < K; ++j) g_apply(w + k * K * K + j, K, &Gg[0][j], K);
        for (int i = 0; i < 6; ++i) g_apply(Gg[i], 1, U + (6 * i) * OC + k, OC);   // (G g) G^T
    }
}

// dw[o, c] += G^T dU[., o, c] G, the adjoint of transform_weights_6. gt_add(u, k, g, kg):
// g[l kg] += (G^T u)_l for the 6 values u[0], u[k], ..., u[5k].
template <int K, class GtAdd>
void add_weight_gradient_6(const WinogradShape& s, const float* dU, float* dw, GtAdd gt_add) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        float r[6][K] = {};   // dU G: G^T combines each row's 6 columns
        for (int i = 0; i < 6; ++i) gt_add(dU + (6 * i) * OC + k, OC, r[i], 1);
        for (int j = 0; j < K; ++j) gt_add(&r[0][j], K, dw + k * K * K + j, K);   // G^T (dU G)
    }
}

// 8 floats as one unaligned vector (GCC's vector extension: AVX with -march=native)
typedef float Floats8 __attribute__((vector_size(32), aligned(4), may_alias));
inline Floats8 load8(const float* p) { return *reinterpret_cast<const Floats8*>(p); }
inline void store8(float* p, const Floats8& v) { *reinterpret_cast<Floats8*>(p) = v; }

// The input transforms run over a chunk of whole tile rows at a time: about 128 tiles (a 14x14
// image's 49 tiles in one chunk), small enough that a chunk's arrays stay in L1.
inline int64_t chunk_rows(const Tiling& t) { return std::min(t.TH, std::max<int64_t>(1, 128 / t.TW)); }

// The transforms of one F(mxm,KxK). Layouts: U and dU (alpha^2, OUT, C); V and dV (alpha^2, C, T); M and
// dM (alpha^2, OUT, T), T = nb * tiles() for the images n0..n0+nb of a block.
struct WinogradTransforms {
    void (*weights)(const WinogradShape& s, const float* w, float* U);            // U = G g G^T
    void (*add_weight_gradient)(const WinogradShape& s, const float* dU, float* dw);   // dw += G^T dU G
    void (*input)(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V);   // V = B^T d B
    void (*output)(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb,
                   float* y);                                                     // y = A^T M A + bias
    void (*output_gradient)(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM);   // A dY A^T
    void (*add_input_gradient)(const Tiling& t, const float* dV, int64_t n0, int64_t nb,
                               float* dx);                                        // dx += B dV B^T
};

extern const WinogradTransforms kWinograd5x5;       // F(2x2,5x5), core/conv_winograd5.cpp
extern const WinogradTransforms kWinograd4x4_3x3;   // F(4x4,3x3), core/conv_winograd43.cpp

}  // namespace ct::detail
