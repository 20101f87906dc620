// Winograd F(2x2,5x5)'s transforms, for E1's 5x5 layers (Lavin & Gray 2015; the driver that blocks
// the batch and runs the 36 GEMMs is core/conv_winograd.cpp's, shared with F(2x2,3x3)). A 2x2 output
// tile of a 5x5 convolution needs a 6x6 input tile d and the 5x5 kernel g:
//     Y = A^T [ (G g G^T) . (B^T d B) ] A
// with the interpolation points 0, 1, -1, 2, -2 and infinity (the B of F(4,3)):
//           [4  0 -5  0  1  0]          [ 1/4    0     0     0     0  ]
//           [0 -4 -4  1  1  0]          [-1/6  -1/6  -1/6  -1/6  -1/6 ]
//     B^T = [0  4 -4 -1  1  0]      G = [-1/6   1/6  -1/6   1/6  -1/6 ]    A^T = [1 1  1 1  1 0]
//           [0 -2 -1  2  1  0]          [1/24  1/12   1/6   1/3   2/3 ]          [0 1 -1 2 -2 1]
//           [0  2 -1 -2  1  0]          [1/24 -1/12   1/6  -1/3   2/3 ]
//           [0  4  0 -5  0  1]          [  0     0     0     0     1  ]
// (row j of G is s_j (1, p_j, p_j^2, p_j^3, p_j^4) with the scales s_j = 1/4, -1/6, -1/6, 1/24, 1/24
// that make B^T the same as F(4,3)'s). Verified before writing this file with numpy in float64: both
// A^T[(G g).(B^T d)] for random 6-vectors d and 5-vectors g and the 2-D form above for random 6x6 d and
// 5x5 g equal the direct correlation to 1e-12; tests/test_conv_winograd.cpp checks the code against
// a float64 direct convolution. 36 multiplications per tile and channel pair instead of 100 (2.8x
// fewer). G's 1/6 and 1/24 are inexact in float32 and B's 4 and 5 grow the transformed data, so it
// rounds more than F(2,3); the test states the bound and what was measured.
// Every transform runs along whole rows of a tile row first (contiguous, vectorised over the row), then
// along each tile's columns (vectorised over the tiles of the row, stride-2 loads).
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/conv_winograd_tiles.h"

namespace ct::detail {
namespace {

// u = G a for the 5 values a[0], a[k], ..., a[4k] (one column or row of a kernel): 6 values, u[l*ku].
inline void g_apply(const float* a, int64_t k, float* u, int64_t ku) {
    const float a0 = a[0], a1 = a[k], a2 = a[2 * k], a3 = a[3 * k], a4 = a[4 * k];
    const float even = a0 + a2 + a4, odd = a1 + a3;
    const float even4 = a0 + 4.f * a2 + 16.f * a4, odd4 = 2.f * a1 + 8.f * a3;
    u[0] = 0.25f * a0;
    u[ku] = -(even + odd) / 6.f;
    u[2 * ku] = -(even - odd) / 6.f;
    u[3 * ku] = (even4 + odd4) / 24.f;
    u[4 * ku] = (even4 - odd4) / 24.f;
    u[5 * ku] = a4;
}

// g = G^T u for 6 values u[0], u[k], ..., u[5k]: 5 values, g[l*kg] (+=).
inline void gt_add(const float* u, int64_t k, float* g, int64_t kg) {
    const float u0 = u[0], u1 = u[k], u2 = u[2 * k], u3 = u[3 * k], u4 = u[4 * k], u5 = u[5 * k];
    const float s = -(u1 + u2) / 6.f, d = -(u1 - u2) / 6.f, S = (u3 + u4) / 24.f, D = (u3 - u4) / 24.f;
    g[0] += 0.25f * u0 + s + S;
    g[kg] += d + 2.f * D;
    g[2 * kg] += s + 4.f * S;
    g[3 * kg] += d + 8.f * D;
    g[4 * kg] += s + 16.f * S + u5;
}

// U[xi, o, c] = (G g G^T)[xi] for g = w[o, c]: (36, OUT, C)
void transform_weights(const WinogradShape& s, const float* w, float* U) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        float Gg[6][5];   // G g: G combines the kernel's rows, column by column
        for (int j = 0; j < 5; ++j) g_apply(w + k * 25 + j, 5, &Gg[0][j], 5);
        for (int i = 0; i < 6; ++i) g_apply(Gg[i], 1, U + (6 * i) * OC + k, OC);   // (G g) G^T
    }
}

// dw[o, c] += G^T dU[., o, c] G, the adjoint of transform_weights.
void add_weight_gradient(const WinogradShape& s, const float* dU, float* dw) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        float r[6][5] = {};   // dU G: G^T combines each row's 6 columns
        for (int i = 0; i < 6; ++i) gt_add(dU + (6 * i) * OC + k, OC, r[i], 1);
        for (int j = 0; j < 5; ++j) gt_add(&r[0][j], 5, dw + k * 25 + j, 5);   // G^T (dU G)
    }
}

// V[xi, c, t] = (B^T d B)[xi] for the 6x6 input tile d of tile t = (j, ty, tx) of images n0..n0+nb:
// (36, C, nb*TH*TW).
void transform_input(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), WP = t.WP, TW = t.TW, CT = s.C * T;
    std::vector<float> buf(size_t(12 * WP));
    float* r = buf.data();   // r[k*WP + xx]: input row 2ty - pad + k, column xx - pad (0 outside)
    float* q = r + 6 * WP;   // q[k*WP + xx]: row k of B^T d
    for (int64_t task = 0; task < nb * s.C * t.TH; ++task) {
        const int64_t j = task / (s.C * t.TH), c = task / t.TH % s.C, ty = task % t.TH;
        const float* plane = x + ((n0 + j) * s.C + c) * s.H * s.W;
        load_padded_rows(t, plane, ty, r);
        for (int64_t xx = 0; xx < WP; ++xx) {   // B^T along the rows
            const float d0 = r[xx], d1 = r[WP + xx], d2 = r[2 * WP + xx];
            const float d3 = r[3 * WP + xx], d4 = r[4 * WP + xx], d5 = r[5 * WP + xx];
            const float a = d4 - 4.f * d2, b = d3 - 4.f * d1, cc = d4 - d2, e = 2.f * (d3 - d1);
            q[xx] = 4.f * d0 - 5.f * d2 + d4;
            q[WP + xx] = a + b;
            q[2 * WP + xx] = a - b;
            q[3 * WP + xx] = cc + e;
            q[4 * WP + xx] = cc - e;
            q[5 * WP + xx] = 4.f * d1 - 5.f * d3 + d5;
        }
        const int64_t t0 = (j * t.TH + ty) * TW;
        for (int64_t k = 0; k < 6; ++k) {   // and along each tile's columns
            const float* qk = q + k * WP;
            float* v0 = V + ((6 * k) * s.C + c) * T + t0;
            float *v1 = v0 + CT, *v2 = v1 + CT, *v3 = v2 + CT, *v4 = v3 + CT, *v5 = v4 + CT;
            for (int64_t tx = 0; tx < TW; ++tx) {
                const float* d = qk + 2 * tx;
                const float a = d[4] - 4.f * d[2], b = d[3] - 4.f * d[1], cc = d[4] - d[2], e = 2.f * (d[3] - d[1]);
                v0[tx] = 4.f * d[0] - 5.f * d[2] + d[4];
                v1[tx] = a + b;
                v2[tx] = a - b;
                v3[tx] = cc + e;
                v4[tx] = cc - e;
                v5[tx] = 4.f * d[1] - 5.f * d[3] + d[5];
            }
        }
    }
}

// y[n0+j, o, 2ty + a, 2tx + b] = (A^T M A)[a, b] + bias[o], cropped to HO x WO.
void transform_output(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb, float* y) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), st = s.OUT * T;
    std::vector<float> buf(size_t(12 * TW + 4 * TW));
    float* r = buf.data();   // r[(6a + jj) * TW + tx]: (A^T M)[a, jj] of tile tx
    float *out0 = r + 12 * TW, *out1 = out0 + 2 * TW;   // the tile row's two output rows
    for (int64_t task = 0; task < nb * s.OUT * t.TH; ++task) {
        const int64_t j = task / (s.OUT * t.TH), o = task / t.TH % s.OUT, ty = task % t.TH;
        const float bo = bias ? bias[o] : 0.f;
        const float* m = M + o * T + (j * t.TH + ty) * TW;   // m[xi * st + tx]
        for (int64_t jj = 0; jj < 6; ++jj) {   // A^T along the tiles' rows
            const float *m0 = m + jj * st, *m1 = m0 + 6 * st, *m2 = m1 + 6 * st;
            const float *m3 = m2 + 6 * st, *m4 = m3 + 6 * st, *m5 = m4 + 6 * st;
            float *ra = r + jj * TW, *rb = r + (6 + jj) * TW;
            for (int64_t tx = 0; tx < TW; ++tx) {
                ra[tx] = m0[tx] + m1[tx] + m2[tx] + m3[tx] + m4[tx];
                rb[tx] = m1[tx] - m2[tx] + 2.f * (m3[tx] - m4[tx]) + m5[tx];
            }
        }
        for (int64_t a = 0; a < 2; ++a) {   // and along their columns
            const float* ra = r + 6 * a * TW;
            float* out = a ? out1 : out0;
            for (int64_t tx = 0; tx < TW; ++tx) {
                const float m0 = ra[tx], m1 = ra[TW + tx], m2 = ra[2 * TW + tx];
                const float m3 = ra[3 * TW + tx], m4 = ra[4 * TW + tx], m5 = ra[5 * TW + tx];
                out[2 * tx] = m0 + m1 + m2 + m3 + m4 + bo;
                out[2 * tx + 1] = m1 - m2 + 2.f * (m3 - m4) + m5 + bo;
            }
        }
        float* dst = y + (((n0 + j) * s.OUT + o) * HO + 2 * ty) * WO;
        std::memcpy(dst, out0, size_t(WO) * sizeof(float));
        if (2 * ty + 1 < HO) std::memcpy(dst + WO, out1, size_t(WO) * sizeof(float));
    }
}

// dM[xi, o, t] = (A dY A^T)[xi] for the 2x2 tile of dy (zero past HO x WO): (36, OUT, nb*TH*TW).
void transform_output_gradient(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), W2 = 2 * TW, st = s.OUT * T;
    std::vector<float> buf(size_t(2 * W2 + 6 * W2));
    float *e0 = buf.data(), *e1 = e0 + W2, *f = e1 + W2;   // f[i * W2 + xx]: row i of A dY
    for (int64_t task = 0; task < nb * s.OUT * t.TH; ++task) {
        const int64_t j = task / (s.OUT * t.TH), o = task / t.TH % s.OUT, ty = task % t.TH;
        const float* src = dy + (((n0 + j) * s.OUT + o) * HO + 2 * ty) * WO;
        std::fill(e0, e0 + 2 * W2, 0.f);
        std::memcpy(e0, src, size_t(WO) * sizeof(float));
        if (2 * ty + 1 < HO) std::memcpy(e1, src + WO, size_t(WO) * sizeof(float));
        for (int64_t xx = 0; xx < W2; ++xx) {   // A along the rows
            const float a = e0[xx], b = e1[xx];
            f[xx] = a;
            f[W2 + xx] = a + b;
            f[2 * W2 + xx] = a - b;
            f[3 * W2 + xx] = a + 2.f * b;
            f[4 * W2 + xx] = a - 2.f * b;
            f[5 * W2 + xx] = b;
        }
        const int64_t t0 = (j * t.TH + ty) * TW;
        for (int64_t i = 0; i < 6; ++i) {   // and along each tile's columns
            const float* fi = f + i * W2;
            float* d0 = dM + ((6 * i) * s.OUT + o) * T + t0;
            float *d1 = d0 + st, *d2 = d1 + st, *d3 = d2 + st, *d4 = d3 + st, *d5 = d4 + st;
            for (int64_t tx = 0; tx < TW; ++tx) {
                const float a = fi[2 * tx], b = fi[2 * tx + 1];
                d0[tx] = a;
                d1[tx] = a + b;
                d2[tx] = a - b;
                d3[tx] = a + 2.f * b;
                d4[tx] = a - 2.f * b;
                d5[tx] = b;
            }
        }
    }
}

// dx[n0+j, c] += B dV B^T of every tile, cropped to H x W. One task per (image, channel) plane:
// neighbouring tiles overlap by four rows and columns.
void add_input_gradient(const Tiling& t, const float* dV, int64_t n0, int64_t nb, float* dx) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, WP = t.WP, CT = s.C * T;
    std::vector<float> buf(size_t(9 * WP));
    // A tile's 6 columns land in three 2-column parts that overlap the next tiles' parts: p0 takes
    // columns 2tx, 2tx+1 of every tile, p1 2tx+2, 2tx+3, p2 2tx+4, 2tx+5; q = p0 + p1 + p2.
    float *p0 = buf.data(), *p1 = p0 + WP, *p2 = p1 + WP, *q = p2 + WP;
    for (int64_t task = 0; task < nb * s.C; ++task) {
        const int64_t j = task / s.C, c = task % s.C;
        float* plane = dx + ((n0 + j) * s.C + c) * s.H * s.W;
        for (int64_t ty = 0; ty < t.TH; ++ty) {
            const int64_t t0 = (j * t.TH + ty) * TW;
            for (int64_t i = 0; i < 6; ++i) {   // dV B^T along each tile's columns
                const float* v0 = dV + ((6 * i) * s.C + c) * T + t0;
                const float *v1 = v0 + CT, *v2 = v1 + CT, *v3 = v2 + CT, *v4 = v3 + CT, *v5 = v4 + CT;
                std::fill(p0 + 2 * TW, p0 + WP, 0.f);
                p1[0] = p1[1] = p1[WP - 2] = p1[WP - 1] = 0.f;
                std::fill(p2, p2 + 4, 0.f);
                for (int64_t tx = 0; tx < TW; ++tx) {
                    const float m = v1[tx] - v2[tx], p = v1[tx] + v2[tx];
                    const float n = v3[tx] - v4[tx], pq = v3[tx] + v4[tx];
                    p0[2 * tx] = 4.f * v0[tx];
                    p0[2 * tx + 1] = -4.f * m - 2.f * n + 4.f * v5[tx];
                    p1[2 * tx + 2] = -5.f * v0[tx] - 4.f * p - pq;
                    p1[2 * tx + 3] = m + 2.f * n - 5.f * v5[tx];
                    p2[2 * tx + 4] = v0[tx] + p + pq;
                    p2[2 * tx + 5] = v5[tx];
                }
                float* qi = q + i * WP;
                for (int64_t xx = 0; xx < WP; ++xx) qi[xx] = p0[xx] + p1[xx] + p2[xx];
            }
            const float *q0 = q + s.pad, *q1 = q0 + WP, *q2 = q1 + WP, *q3 = q2 + WP, *q4 = q3 + WP,
                        *q5 = q4 + WP;
            for (int64_t a = 0; a < 6; ++a) {   // B (.): the same combination of the rows
                const int64_t ih = 2 * ty - s.pad + a;
                if (ih < 0 || ih >= s.H) continue;
                float* row = plane + ih * s.W;
                const int64_t W = s.W;
                switch (a) {
                case 0: for (int64_t iw = 0; iw < W; ++iw) row[iw] += 4.f * q0[iw]; break;
                case 1:
                    for (int64_t iw = 0; iw < W; ++iw)
                        row[iw] += -4.f * (q1[iw] - q2[iw]) - 2.f * (q3[iw] - q4[iw]) + 4.f * q5[iw];
                    break;
                case 2:
                    for (int64_t iw = 0; iw < W; ++iw)
                        row[iw] += -5.f * q0[iw] - 4.f * (q1[iw] + q2[iw]) - (q3[iw] + q4[iw]);
                    break;
                case 3:
                    for (int64_t iw = 0; iw < W; ++iw)
                        row[iw] += (q1[iw] - q2[iw]) + 2.f * (q3[iw] - q4[iw]) - 5.f * q5[iw];
                    break;
                case 4:
                    for (int64_t iw = 0; iw < W; ++iw) row[iw] += q0[iw] + q1[iw] + q2[iw] + q3[iw] + q4[iw];
                    break;
                default: for (int64_t iw = 0; iw < W; ++iw) row[iw] += q5[iw]; break;
                }
            }
        }
    }
}

}  // namespace

const WinogradTransforms kWinograd5x5{transform_weights, add_weight_gradient, transform_input,
                                      transform_output, transform_output_gradient, add_input_gradient};

}  // namespace ct::detail
