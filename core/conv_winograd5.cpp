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
// Vectorising: a 14x14 image has 7 tiles to a row, too few for 8-float vectors, so the input, output
// and output-gradient transforms run over a chunk of whole tile rows at a time (all 49 tiles of a 14x14
// image): the output ones on arrays over the chunk's tiles, which M, dM and V hold contiguously; the
// input one from the image's phase planes (padded rows and columns split by parity, so that the
// stride-2 columns of neighbouring tiles become contiguous). The input gradient (whose overlapping
// tiles add into the image) keeps the per-tile-row form: the chunked version measured no faster.
#include <algorithm>
#include <array>
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
void transform_weights(const WinogradShape& s, const float* w, float* U) { transform_weights_6<5>(s, w, U, g_apply); }

// dw[o, c] += G^T dU[., o, c] G, the adjoint of transform_weights.
void add_weight_gradient(const WinogradShape& s, const float* dU, float* dw) {
    add_weight_gradient_6<5>(s, dU, dw, gt_add);
}

// out_a = sum_i A^T[a][i] in_i (6 -> 2); input k at in + k si, output i at out + i so
inline void at6(const float* __restrict in, int64_t si, float* __restrict out, int64_t so, int64_t n) {
#pragma GCC ivdep   // the output streams never overlap
    for (int64_t e = 0; e < n; ++e) {
        const float m0 = in[e], m1 = in[si + e], m2 = in[2 * si + e];
        const float m3 = in[3 * si + e], m4 = in[4 * si + e], m5 = in[5 * si + e];
        out[e] = m0 + m1 + m2 + m3 + m4;
        out[so + e] = m1 - m2 + 2.f * (m3 - m4) + m5;
    }
}

// out_i = sum_a A^T[a][i] in_a, the adjoint of at6 (2 -> 6)
inline void a6(const float* __restrict in, int64_t si, float* __restrict out, int64_t so, int64_t n) {
#pragma GCC ivdep   // the output streams never overlap
    for (int64_t e = 0; e < n; ++e) {
        const float a = in[e], b = in[si + e];
        out[e] = a;
        out[so + e] = a + b;
        out[2 * so + e] = a - b;
        out[3 * so + e] = a + 2.f * b;
        out[4 * so + e] = a - 2.f * b;
        out[5 * so + e] = b;
    }
}

// The padded input rows 2 ty0 - pad + r (r < 2 rows + 4) of `plane`, all WP columns, split by the
// parity of row and column: padded (r, x) goes to P[(r % 2) 2 + x % 2][(r / 2) PW + x / 2], PW = TW + 2,
// each phase plane PS floats apart. Entry (k, l) of the 6x6 input tiles of tile row ty then lies
// contiguously over the row's tiles at P[(k % 2) 2 + l % 2] + (ty + k / 2) PW + l / 2.
void load_phases(const Tiling& t, const float* plane, int64_t ty0, int64_t rows, float* row, float* P,
                 int64_t PS) {
    const WinogradShape& s = t.s;
    const int64_t PW = t.TW + 2;
    for (int64_t r = 0; r < 2 * rows + 4; ++r) {
        const int64_t ih = 2 * ty0 - s.pad + r;
        std::fill(row, row + t.WP, 0.f);
        if (ih >= 0 && ih < s.H) std::memcpy(row + s.pad, plane + ih * s.W, size_t(s.W) * sizeof(float));
        float *even = P + (r % 2) * 2 * PS + (r / 2) * PW, *odd = even + PS;
        for (int64_t m = 0; m < PW; ++m) {
            even[m] = row[2 * m];
            odd[m] = row[2 * m + 1];
        }
    }
}

// V[xi, c, t] = (B^T d B)[xi] for the 6x6 input tile d of tile t = (j, ty, tx) of images n0..n0+nb:
// (36, C, nb*TH*TW). Per chunk of tile rows: B^T along k on whole phase planes (entry k of the tiles of
// column parity cp is row ty + k/2 of phase (k%2, cp)), into Q[2i + cp], rows PW apart; then B^T along
// l, entry l being column tx + l/2 of Q[2i + l%2], 8 tiles of a row at a time, into W[xi], the chunk's
// tiles in V's order (an 8-wide store spills past a row's TW tiles onto the next row, stored later);
// each W[xi] then goes to V in one piece.
void transform_input(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, PW = TW + 2, R = chunk_rows(t);
    const int64_t PS = (R + 2) * PW + 8, S = R * PW + 8, SW = R * TW + 8;   // sizes of P, Q and W arrays
    std::vector<float> buf(size_t(t.WP + 4 * PS + 12 * S + 36 * SW));
    float *row = buf.data(), *P = row + t.WP, *Q = P + 4 * PS, *W = Q + 12 * S;
    for (int64_t task = 0; task < nb * s.C; ++task) {
        const int64_t j = task / s.C, c = task % s.C;
        const float* plane = x + ((n0 + j) * s.C + c) * s.H * s.W;
        for (int64_t ty0 = 0; ty0 < t.TH; ty0 += R) {
            const int64_t rows = std::min(R, t.TH - ty0);
            load_phases(t, plane, ty0, rows, row, P, PS);
            for (int64_t cp = 0; cp < 2; ++cp) {   // B^T along k
                In6 in;
                for (int64_t k = 0; k < 6; ++k) in[k] = P + ((k % 2) * 2 + cp) * PS + (k / 2) * PW;
                bt6(in, six(Q + cp * S, 2 * S), rows * PW);
            }
            for (int64_t i = 0; i < 6; ++i)   // and along l
                for (int64_t ty = 0; ty < rows; ++ty)
                    for (int64_t x0 = 0; x0 < TW; x0 += 8) {
                        const float *e = Q + 2 * i * S + ty * PW + x0, *o = e + S;   // columns of parity 0, 1
                        Floats8 v[6];
                        bt(load8(e), load8(o), load8(e + 1), load8(o + 1), load8(e + 2), load8(o + 2), v);
                        for (int64_t jj = 0; jj < 6; ++jj) store8(W + (6 * i + jj) * SW + ty * TW + x0, v[jj]);
                    }
            const int64_t t0 = (j * t.TH + ty0) * TW;
            for (int64_t xi = 0; xi < 36; ++xi)
                std::memcpy(V + (xi * s.C + c) * T + t0, W + xi * SW, size_t(rows * TW) * sizeof(float));
        }
    }
}

// y[n0+j, o, 2ty + a, 2tx + b] = (A^T M A)[a, b] + bias[o], cropped to HO x WO.
void transform_output(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb, float* y) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), st = s.OUT * T, R = chunk_rows(t);
    const int64_t S = R * TW;
    std::vector<float> buf(size_t(16 * S));
    float *Rr = buf.data(), *Y = Rr + 12 * S;   // Rr[6a+jj]: (A^T M)[a, jj]; Y[2a+b]: output (a, b) of each tile
    for (int64_t task = 0; task < nb * s.OUT; ++task) {
        const int64_t j = task / s.OUT, o = task % s.OUT;
        const float bo = bias ? bias[o] : 0.f;
        for (int64_t ty0 = 0; ty0 < t.TH; ty0 += R) {
            const int64_t rows = std::min(R, t.TH - ty0), n = rows * TW;
            const float* m = M + o * T + (j * t.TH + ty0) * TW;   // M[xi] of the chunk's tiles: m + xi st
            for (int64_t jj = 0; jj < 6; ++jj) at6(m + jj * st, 6 * st, Rr + jj * S, 6 * S, n);   // A^T along i
            for (int64_t a = 0; a < 2; ++a) at6(Rr + 6 * a * S, S, Y + 2 * a * S, S, n);        // and along jj
            for (int64_t a = 0; a < 2; ++a)   // the tiles' two columns interleave into output rows
                for (int64_t ty = 0; ty < rows; ++ty) {
                    const int64_t oh = 2 * (ty0 + ty) + a;
                    if (oh >= HO) continue;
                    float* dst = y + (((n0 + j) * s.OUT + o) * HO + oh) * WO;
                    const float *y0 = Y + 2 * a * S + ty * TW, *y1 = y0 + S;
                    for (int64_t tx = 0; tx < WO / 2; ++tx) {
                        dst[2 * tx] = y0[tx] + bo;
                        dst[2 * tx + 1] = y1[tx] + bo;
                    }
                    if (WO % 2) dst[WO - 1] = y0[WO / 2] + bo;
                }
        }
    }
}

// dM[xi, o, t] = (A dY A^T)[xi] for the 2x2 tile of dy (zero past HO x WO): (36, OUT, nb*TH*TW).
void transform_output_gradient(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), st = s.OUT * T, R = chunk_rows(t);
    const int64_t S = R * TW;
    std::vector<float> buf(size_t(16 * S));
    float *E = buf.data(), *F = E + 4 * S;   // E[2a+b]: dY[a, b] of each tile; F[2i+b]: (A dY)[i, b]
    for (int64_t task = 0; task < nb * s.OUT; ++task) {
        const int64_t j = task / s.OUT, o = task % s.OUT;
        for (int64_t ty0 = 0; ty0 < t.TH; ty0 += R) {
            const int64_t rows = std::min(R, t.TH - ty0), n = rows * TW;
            for (int64_t a = 0; a < 2; ++a)   // the output rows split into the tiles' two columns
                for (int64_t ty = 0; ty < rows; ++ty) {
                    const int64_t oh = 2 * (ty0 + ty) + a;
                    float *e0 = E + 2 * a * S + ty * TW, *e1 = e0 + S;
                    if (oh >= HO) {
                        std::fill(e0, e0 + TW, 0.f);
                        std::fill(e1, e1 + TW, 0.f);
                        continue;
                    }
                    const float* src = dy + (((n0 + j) * s.OUT + o) * HO + oh) * WO;
                    for (int64_t tx = 0; tx < WO / 2; ++tx) {
                        e0[tx] = src[2 * tx];
                        e1[tx] = src[2 * tx + 1];
                    }
                    if (WO % 2) {
                        e0[TW - 1] = src[WO - 1];
                        e1[TW - 1] = 0.f;
                    }
                }
            for (int64_t b = 0; b < 2; ++b) a6(E + b * S, 2 * S, F + b * S, 2 * S, n);   // A along a
            const int64_t t0 = (j * t.TH + ty0) * TW;
            for (int64_t i = 0; i < 6; ++i) a6(F + 2 * i * S, S, dM + (6 * i * s.OUT + o) * T + t0, st, n);   // and b
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
            for (int64_t a = 0; a < 6; ++a) {   // B (.): the same combination of the rows
                const int64_t ih = 2 * ty - s.pad + a;
                if (ih >= 0 && ih < s.H) b_row<true>(a, six<const float>(q + s.pad, WP), plane + ih * s.W, s.W);
            }
        }
    }
}

}  // namespace

const WinogradTransforms kWinograd5x5{transform_weights, add_weight_gradient, transform_input,
                                      transform_output, transform_output_gradient, add_input_gradient};

}  // namespace ct::detail
