// Winograd F(4x4,3x3)'s transforms, for the 3x3 layers with room for 4x4 output tiles (Lavin & Gray
// 2015; the driver that blocks the batch and runs the 36 GEMMs is core/conv_winograd.cpp's, shared
// with F(2x2,3x3) and F(2x2,5x5)). A 4x4 output tile of a 3x3 convolution needs a 6x6 input tile d:
//     Y = A^T [ (G g G^T) . (B^T d B) ] A
// with the interpolation points 0, 1, -1, 2, -2 and infinity, the same B as F(2x2,5x5)'s:
//           [4  0 -5  0  1  0]          [ 1/4    0     0  ]
//           [0 -4 -4  1  1  0]          [-1/6  -1/6  -1/6 ]          [1 1  1 1  1 0]
//     B^T = [0  4 -4 -1  1  0]      G = [-1/6   1/6  -1/6 ]    A^T = [0 1 -1 2 -2 0]
//           [0 -2 -1  2  1  0]          [1/24  1/12   1/6 ]          [0 1  1 4  4 0]
//           [0  2 -1 -2  1  0]          [1/24 -1/12   1/6 ]          [0 1 -1 8 -8 1]
//           [0  4  0 -5  0  1]          [  0     0     1  ]
// Verified before writing this file with numpy in float64: A^T[(G g G^T).(B^T d B)]A for random 6x6 d
// and 3x3 g equals the direct correlation to 4e-14; tests/test_conv_winograd.cpp checks the code
// against a float64 direct convolution. 36 multiplications per 16 outputs and channel pair where
// F(2x2,3x3) needs 64 (1.8x fewer), and its V and M hold 2.25 values per output where F(2,3)'s hold 4,
// so the transforms move less data too. The price is rounding: A's 8 and B's 5 grow the values, and
// G's 1/6 and 1/24 are inexact in float32 (the test states the bound and what was measured).
// The passes along a tile row's rows run over whole contiguous rows. Along the tiles' columns, tile tx
// reads the padded columns 4tx .. 4tx+5, a stride-4 pattern that does not vectorise, so those passes
// first split a row into four phases, p[k * PS + i] = row[4i + k] (PS = TW + 1): a tile's six columns
// are then phases 0..3 at i = tx and phases 0, 1 at i = tx + 1, each contiguous over the tiles.
// `#pragma GCC ivdep`: the inputs and outputs of a pass never overlap, which GCC cannot prove for this
// many pointers into one buffer (without it every pass stays scalar).
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/conv_winograd_tiles.h"

namespace ct::detail {
namespace {

// u = G a for the 3 values a[0], a[k], a[2k] (one column or row of a kernel): 6 values, u[l*ku].
inline void g_apply(const float* a, int64_t k, float* u, int64_t ku) {
    const float a0 = a[0], a1 = a[k], a2 = a[2 * k];
    const float even = a0 + a2, even4 = a0 + 4.f * a2;
    u[0] = 0.25f * a0;
    u[ku] = -(even + a1) / 6.f;
    u[2 * ku] = -(even - a1) / 6.f;
    u[3 * ku] = (even4 + 2.f * a1) / 24.f;
    u[4 * ku] = (even4 - 2.f * a1) / 24.f;
    u[5 * ku] = a2;
}

// g = G^T u for 6 values u[0], u[k], ..., u[5k]: 3 values, g[l*kg] (+=).
inline void gt_add(const float* u, int64_t k, float* g, int64_t kg) {
    const float u0 = u[0], u1 = u[k], u2 = u[2 * k], u3 = u[3 * k], u4 = u[4 * k], u5 = u[5 * k];
    const float s = -(u1 + u2) / 6.f, d = -(u1 - u2) / 6.f, S = (u3 + u4) / 24.f, D = (u3 - u4) / 24.f;
    g[0] += 0.25f * u0 + s + S;
    g[kg] += d + 2.f * D;
    g[2 * kg] += s + 4.f * S + u5;
}

// U[xi, o, c] = (G g G^T)[xi] for g = w[o, c]: (36, OUT, C)
void transform_weights(const WinogradShape& s, const float* w, float* U) { transform_weights_6<3>(s, w, U, g_apply); }

// dw[o, c] += G^T dU[., o, c] G, the adjoint of transform_weights.
void add_weight_gradient(const WinogradShape& s, const float* dU, float* dw) {
    add_weight_gradient_6<3>(s, dU, dw, gt_add);
}

// p[k*PS + i] = row[4i + k] for i < n and k < 4: a row's four phases.
inline void deinterleave4(const float* row, int64_t n, int64_t PS, float* p) {
    float *p0 = p, *p1 = p0 + PS, *p2 = p1 + PS, *p3 = p2 + PS;
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) {
        p0[i] = row[4 * i];
        p1[i] = row[4 * i + 1];
        p2[i] = row[4 * i + 2];
        p3[i] = row[4 * i + 3];
    }
}

// row[4i + k] = p[k*PS + i] for i < n and k < 4: the inverse of deinterleave4.
inline void interleave4(const float* p, int64_t n, int64_t PS, float* row) {
    const float *p0 = p, *p1 = p0 + PS, *p2 = p1 + PS, *p3 = p2 + PS;
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) {
        row[4 * i] = p0[i];
        row[4 * i + 1] = p1[i];
        row[4 * i + 2] = p2[i];
        row[4 * i + 3] = p3[i];
    }
}

// The padded input rows 4 ty0 - pad + r (r < 4 rows + 2) of `plane`, split by row and column modulo
// 4: padded (r, x) goes to P[(r % 4) 4 + x % 4][(r / 4) PW + x / 4], PW = TW + 1, each phase plane PS
// floats apart. Entry (k, l) of the 6x6 input tiles of tile row ty then lies contiguously over the
// row's tiles at P[(k % 4) 4 + l % 4] + (ty + k / 4) PW + l / 4.
void load_phases(const Tiling& t, const float* plane, int64_t ty0, int64_t rows, float* row, float* P, int64_t PS) {
    const WinogradShape& s = t.s;
    const int64_t PW = t.TW + 1;
    for (int64_t r = 0; r < 4 * rows + 2; ++r) {
        const int64_t ih = 4 * ty0 - s.pad + r;
        std::fill(row, row + 4 * PW, 0.f);
        if (ih >= 0 && ih < s.H) std::memcpy(row + s.pad, plane + ih * s.W, size_t(s.W) * sizeof(float));
        deinterleave4(row, PW, PS, P + (r % 4) * 4 * PS + (r / 4) * PW);
    }
}

// V[xi, c, t] = (B^T d B)[xi] for the 6x6 input tile d of tile t = (j, ty, tx) of images n0..n0+nb:
// (36, C, nb*TH*TW). Per chunk of tile rows of one plane: B^T along k on whole phase planes (entry k
// of the tiles of column phase cp is row ty + k/4 of phase (k%4, cp)), into Q[4i + cp], rows PW
// apart; then B^T along l, entry l being column tx + l/4 of Q[4i + l%4], 8 tiles of a row at a time,
// into W[xi], the chunk's tiles in V's order (an 8-wide store spills past a row's TW tiles onto the
// next row, stored later); each W[xi] then goes to V in one piece (8-wide stores straight into V's 36
// rows stall, F(2,5)'s measurement).
void transform_input(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, PW = TW + 1, R = chunk_rows(t);
    const int64_t PS = (R + 1) * PW + 8, S = R * PW + 8, SW = R * TW + 8;   // sizes of P, Q and W arrays
    std::vector<float> buf(size_t(4 * PW + 16 * PS + 24 * S + 36 * SW));
    float *row = buf.data(), *P = row + 4 * PW, *Q = P + 16 * PS, *W = Q + 24 * S;
    for (int64_t task = 0; task < nb * s.C; ++task) {
        const int64_t j = task / s.C, c = task % s.C;
        const float* plane = x + ((n0 + j) * s.C + c) * s.H * s.W;
        for (int64_t ty0 = 0; ty0 < t.TH; ty0 += R) {
            const int64_t rows = std::min(R, t.TH - ty0);
            load_phases(t, plane, ty0, rows, row, P, PS);
            for (int64_t cp = 0; cp < 4; ++cp) {   // B^T along k
                In6 in;
                for (int64_t k = 0; k < 6; ++k) in[size_t(k)] = P + ((k % 4) * 4 + cp) * PS + (k / 4) * PW;
                bt6(in, six(Q + cp * S, 4 * S), rows * PW);
            }
            for (int64_t i = 0; i < 6; ++i)   // and along l
                for (int64_t ty = 0; ty < rows; ++ty)
                    for (int64_t x0 = 0; x0 < TW; x0 += 8) {
                        const float* q0 = Q + 4 * i * S + ty * PW + x0;   // column phases 0..3
                        const float *q1 = q0 + S, *q2 = q1 + S, *q3 = q2 + S;
                        Floats8 v[6];
                        bt(load8(q0), load8(q1), load8(q2), load8(q3), load8(q0 + 1), load8(q1 + 1), v);
                        for (int64_t jj = 0; jj < 6; ++jj) store8(W + (6 * i + jj) * SW + ty * TW + x0, v[jj]);
                    }
            const int64_t t0 = (j * t.TH + ty0) * TW;
            for (int64_t xi = 0; xi < 36; ++xi)
                std::memcpy(V + (xi * s.C + c) * T + t0, W + xi * SW, size_t(rows * TW) * sizeof(float));
        }
    }
}

// out_a = sum_i A^T[a][i] in_i + bias (6 -> 4), elementwise over n tiles; input i at in + i si,
// output a at out + a so.
inline void at4(const float* __restrict in, int64_t si, float* __restrict out, int64_t so, int64_t n, float bias) {
#pragma GCC ivdep   // the output streams never overlap
    for (int64_t e = 0; e < n; ++e) {
        const float m1 = in[si + e], m2 = in[2 * si + e], m3 = in[3 * si + e], m4 = in[4 * si + e];
        const float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
        out[e] = in[e] + s12 + s34 + bias;
        out[so + e] = d12 + 2.f * d34 + bias;
        out[2 * so + e] = s12 + 4.f * s34 + bias;
        out[3 * so + e] = d12 + 8.f * d34 + in[5 * si + e] + bias;
    }
}

// out_i = sum_a A^T[a][i] in_a (4 -> 6), the adjoint of at4 without the bias.
inline void a4(const float* __restrict in, int64_t si, float* __restrict out, int64_t so, int64_t n) {
#pragma GCC ivdep   // the output streams never overlap
    for (int64_t e = 0; e < n; ++e) {
        const float e0 = in[e], e1 = in[si + e], e2 = in[2 * si + e], e3 = in[3 * si + e];
        const float s02 = e0 + e2, s13 = e1 + e3, s02b = e0 + 4.f * e2, s13b = 2.f * e1 + 8.f * e3;
        out[e] = e0;
        out[so + e] = s02 + s13;
        out[2 * so + e] = s02 - s13;
        out[3 * so + e] = s02b + s13b;
        out[4 * so + e] = s02b - s13b;
        out[5 * so + e] = e3;
    }
}

// y[n0+j, o, 4ty + a, 4tx + b] = (A^T M A)[a, b] + bias[o], cropped to HO x WO. One task per output
// channel, over all T tiles of the block at once (M holds them contiguously): arrays of 28-64 tiles
// for E2's layers, where a tile row has only 2-8.
void transform_output(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb, float* y) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), st = s.OUT * T;
    std::vector<float> buf(size_t(24 * T + 16 * T + 4 * TW));
    float* r = buf.data();     // r[(6a + jj) T + t]: (A^T M)[a, jj] of tile t
    float* Y = r + 24 * T;     // Y[(4a + b) T + t]: output (a, b) of tile t
    float* row = Y + 16 * T;   // one output row of a tile row, in order
    for (int64_t o = 0; o < s.OUT; ++o) {
        const float* m = M + o * T;   // M[xi] of the block's tiles: m + xi st
        for (int64_t jj = 0; jj < 6; ++jj) at4(m + jj * st, 6 * st, r + jj * T, 6 * T, T, 0.f);   // A^T along i
        const float bo = bias ? bias[o] : 0.f;
        for (int64_t a = 0; a < 4; ++a) at4(r + 6 * a * T, T, Y + 4 * a * T, T, T, bo);   // and along jj
        for (int64_t j = 0; j < nb; ++j)   // the tiles' four columns interleave into output rows
            for (int64_t ty = 0; ty < t.TH; ++ty)
                for (int64_t a = 0; a < 4 && 4 * ty + a < HO; ++a) {
                    interleave4(Y + 4 * a * T + (j * t.TH + ty) * TW, TW, T, row);
                    std::memcpy(y + (((n0 + j) * s.OUT + o) * HO + 4 * ty + a) * WO, row, size_t(WO) * sizeof(float));
                }
    }
}

// dM[xi, o, t] = (A dY A^T)[xi] for the 4x4 tile of dy (zero past HO x WO): (36, OUT, nb*TH*TW). One
// task per output channel over the block's tiles, as transform_output.
void transform_output_gradient(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO(), st = s.OUT * T;
    std::vector<float> buf(size_t(16 * T + 24 * T + 4 * TW));
    float* E = buf.data();     // E[(4a + b) T + t]: dY[a, b] of tile t
    float* F = E + 16 * T;     // F[(4i + b) T + t]: (A dY)[i, b]
    float* row = F + 24 * T;   // one dy row of a tile row, zero past WO
    for (int64_t o = 0; o < s.OUT; ++o) {
        for (int64_t j = 0; j < nb; ++j)   // output rows split into the tiles' four columns
            for (int64_t ty = 0; ty < t.TH; ++ty)
                for (int64_t a = 0; a < 4; ++a) {
                    std::fill(row, row + 4 * TW, 0.f);
                    if (4 * ty + a < HO)
                        std::memcpy(row, dy + (((n0 + j) * s.OUT + o) * HO + 4 * ty + a) * WO, size_t(WO) * sizeof(float));
                    deinterleave4(row, TW, T, E + 4 * a * T + (j * t.TH + ty) * TW);
                }
        for (int64_t b = 0; b < 4; ++b) a4(E + b * T, 4 * T, F + b * T, 4 * T, T);   // A along a
        for (int64_t i = 0; i < 6; ++i) a4(F + 4 * i * T, T, dM + (6 * i * s.OUT + o) * T, st, T);   // and along b
    }
}

// dx[n0+j, c] += B dV B^T of every tile, cropped to H x W. One task per (image, channel) plane:
// neighbouring tiles overlap by two rows and columns.
void add_input_gradient(const Tiling& t, const float* dV, int64_t n0, int64_t nb, float* dx) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, CT = s.C * T, PS = TW + 1, RS = 4 * PS;
    std::vector<float> buf(size_t(8 * RS));
    float* q = buf.data();        // q[i*RS + p*PS + i']: (dV B^T) row i, padded column 4i' + p
    float* sum = q + 6 * RS;      // one output row of B (dV B^T), in the same phases
    float* row = sum + RS;        // the same row in order
    for (int64_t task = 0; task < nb * s.C; ++task) {
        const int64_t j = task / s.C, c = task % s.C;
        float* plane = dx + ((n0 + j) * s.C + c) * s.H * s.W;
        for (int64_t ty = 0; ty < t.TH; ++ty) {
            const int64_t t0 = (j * t.TH + ty) * TW;
            for (int64_t i = 0; i < 6; ++i) {   // dV B^T along each tile's columns
                const float* v0 = dV + ((6 * i) * s.C + c) * T + t0;
                const float *v1 = v0 + CT, *v2 = v1 + CT, *v3 = v2 + CT, *v4 = v3 + CT, *v5 = v4 + CT;
                float *p0 = q + i * RS, *p1 = p0 + PS, *p2 = p1 + PS, *p3 = p2 + PS;
#pragma GCC ivdep
                for (int64_t tx = 0; tx < TW; ++tx) {   // columns 4tx .. 4tx+3
                    const float m = v1[tx] - v2[tx], p = v1[tx] + v2[tx];
                    const float n = v3[tx] - v4[tx], pq = v3[tx] + v4[tx];
                    p0[tx] = 4.f * v0[tx];
                    p1[tx] = -4.f * m - 2.f * n + 4.f * v5[tx];
                    p2[tx] = -5.f * v0[tx] - 4.f * p - pq;
                    p3[tx] = m + 2.f * n - 5.f * v5[tx];
                }
                p0[TW] = p1[TW] = p2[TW] = p3[TW] = 0.f;
#pragma GCC ivdep
                for (int64_t tx = 0; tx < TW; ++tx) {   // columns 4tx + 4, 4tx + 5: the next tile's first two
                    p0[tx + 1] += v0[tx] + v1[tx] + v2[tx] + v3[tx] + v4[tx];
                    p1[tx + 1] += v5[tx];
                }
            }
            for (int64_t a = 0; a < 6; ++a) {   // B (.): the same combination of the rows
                const int64_t ih = 4 * ty - s.pad + a;
                if (ih < 0 || ih >= s.H) continue;
                b_row<false>(a, six<const float>(q, RS), sum, RS);
                interleave4(sum, PS, PS, row);
                float* dst = plane + ih * s.W;
                const float* src = row + s.pad;
#pragma GCC ivdep
                for (int64_t iw = 0; iw < s.W; ++iw) dst[iw] += src[iw];
            }
        }
    }
}

}  // namespace

const WinogradTransforms kWinograd4x4_3x3{transform_weights, add_weight_gradient, transform_input,
                                          transform_output, transform_output_gradient, add_input_gradient};

}  // namespace ct::detail
