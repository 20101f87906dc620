// Winograd convolution: F(2x2,3x3)'s transforms and the driver shared with F(4x4,3x3) and F(2x2,5x5),
// whose transforms are in core/conv_winograd43.cpp and conv_winograd5.cpp (Lavin & Gray 2015, "Fast
// Algorithms for Convolutional Neural Networks"). A 2x2 output tile of a 3x3 convolution needs a 4x4
// input tile d and the 3x3 kernel g:
//     Y = A^T [ (G g G^T) . (B^T d B) ] A          (. is the elementwise product of 4x4 matrices)
//           [1  0 -1  0]          [ 1    0    0 ]
//     B^T = [0  1  1  0]      G = [1/2  1/2  1/2]      A^T = [1  1  1  0]
//           [0 -1  1  0]          [1/2 -1/2  1/2]            [0  1 -1 -1]
//           [0  1  0 -1]          [ 0    0    1 ]
// 16 multiplications per tile and channel pair instead of 36 (2.25x fewer), and summed over the
// input channels the 16 elementwise products become 16 GEMMs, M[xi] (OUT,T) = U[xi] (OUT,C) @ V[xi]
// (C,T), one per position xi of the 4x4 tile, over the T tiles of a block of images. Its matrices
// hold only 0, +-1 and +-1/2 (exact in float), so it adds almost no rounding error; F(4x4,3x3) cuts
// the products a further 1.8x and measured faster on every layer, so the rule (choose_conv_algo, at
// the end) takes that one, and F(2,3) runs when CONTRAST_CONV=winograd asks. Backward runs the same
// transforms transposed (exact gradients of this forward):
//     dM = A dY A^T,  dU = sum_t dM . V  (-> dw = G^T dU G),  dV = sum_o U . dM  (-> dx += B dV B^T).
// Blocking: the batch is cut into blocks of whole images whose V and M fit in ~1 MB, and one
// parallel region hands blocks to threads; each thread transforms its block, runs the block's 16
// products and transforms back while the data is still in its cache. This is the one place that
// calls BLAS inside a parallel region (STYLE.md's rule is against oversubscription): OpenBLAS's
// OpenMP build, which the Makefile links, runs a call made inside an active region on the calling
// thread alone, which is what these small products want. The forward and input-gradient products
// whose B fits L1 (E1's) skip BLAS's packing and zeroing: core/gemm_small.h. The first version ran
// im2col's scheme (one 16 MB chunk, 2-thread GEMMs, transforms in their own parallel regions) and was
// 1.4-2x SLOWER than im2col on every E2 layer; blocked, it is faster on all but the 3-channel one
// (docs/PERFORMANCE.md).
// Blocks own whole images, so the input gradient's overlapping tiles never race across threads.
// F(2x2,5x5) (E1's 5x5 layers) runs through the same driver with 6x6 tiles and 36 products (alpha^2
// for a tile side alpha, core/conv_winograd_tiles.h); the 1 MB block holds one image of E1's 32 -> 64
// layer at 14x14, which measured faster than two or four (bench_conv --e1: 1.78x against im2col's
// forward, 1.34x and 1.45x; 2.06x forward+backward, 1.71x and 1.57x).
#include "core/conv_winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/blas.h"
#include "core/check.h"
#include "core/conv_winograd_tiles.h"
#include "core/gemm_small.h"
#include "core/parallel.h"
#include "core/tensor.h"
#ifdef _OPENMP
#include <omp.h>
#endif

namespace ct::detail {
namespace {

constexpr int64_t kBlockFloats = 256 << 10;   // V + M of one block: 1 MB
constexpr int64_t kBlockCost = kParallelGrain;   // a block is always worth a thread

// U[xi, o, c] = (G g G^T)[xi] for g = w[o, c]: (16, OUT, C)
void transform_weights(const WinogradShape& s, const float* w, float* U) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        const float* g = w + k * 9;
        float Gg[4][3];   // G g: rows of G combine the kernel's rows
        for (int j = 0; j < 3; ++j) {
            Gg[0][j] = g[j];
            Gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            Gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            Gg[3][j] = g[6 + j];
        }
        for (int i = 0; i < 4; ++i) {   // (G g) G^T: the same combination of its columns
            U[(4 * i + 0) * OC + k] = Gg[i][0];
            U[(4 * i + 1) * OC + k] = 0.5f * (Gg[i][0] + Gg[i][1] + Gg[i][2]);
            U[(4 * i + 2) * OC + k] = 0.5f * (Gg[i][0] - Gg[i][1] + Gg[i][2]);
            U[(4 * i + 3) * OC + k] = Gg[i][2];
        }
    }
}

// dw[o, c] += G^T dU[., o, c] G, the adjoint of transform_weights.
void add_weight_gradient(const WinogradShape& s, const float* dU, float* dw) {
    const int64_t OC = s.OUT * s.C;
    for (int64_t k = 0; k < OC; ++k) {
        float r[4][3];   // dU G: column j of G^T picks and halves the tile's columns
        for (int i = 0; i < 4; ++i) {
            const float u0 = dU[(4 * i) * OC + k], u1 = dU[(4 * i + 1) * OC + k];
            const float u2 = dU[(4 * i + 2) * OC + k], u3 = dU[(4 * i + 3) * OC + k];
            r[i][0] = u0 + 0.5f * (u1 + u2);
            r[i][1] = 0.5f * (u1 - u2);
            r[i][2] = 0.5f * (u1 + u2) + u3;
        }
        float* g = dw + k * 9;
        for (int j = 0; j < 3; ++j) {   // G^T (dU G): the same on its rows
            g[j] += r[0][j] + 0.5f * (r[1][j] + r[2][j]);
            g[3 + j] += 0.5f * (r[1][j] - r[2][j]);
            g[6 + j] += 0.5f * (r[1][j] + r[2][j]) + r[3][j];
        }
    }
}

// V[xi, c, t] = (B^T d B)[xi] for the 4x4 input tile d of tile t = (j, ty, tx) of images n0..n0+nb:
// (16, C, nb*TH*TW). B^T runs first along the 4 rows of a tile row (whole padded rows, contiguous),
// then along each tile's 4 columns.
void transform_input(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), WP = t.WP, TW = t.TW;
    const int64_t tasks = nb * s.C * t.TH;
    std::vector<float> buf(size_t(8 * WP));
    float* r = buf.data();   // r[k*WP + xx]: input row 2ty - pad + k, column xx - pad (0 outside)
    float* q = r + 4 * WP;   // q[k*WP + xx]: row k of B^T d
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t j = task / (s.C * t.TH), c = task / t.TH % s.C, ty = task % t.TH;
        const float* plane = x + ((n0 + j) * s.C + c) * s.H * s.W;
        load_padded_rows(t, plane, ty, r);
        for (int64_t xx = 0; xx < WP; ++xx) {
            const float d0 = r[xx], d1 = r[WP + xx], d2 = r[2 * WP + xx], d3 = r[3 * WP + xx];
            q[xx] = d0 - d2;
            q[WP + xx] = d1 + d2;
            q[2 * WP + xx] = d2 - d1;
            q[3 * WP + xx] = d1 - d3;
        }
        const int64_t t0 = (j * t.TH + ty) * TW;
        for (int64_t k = 0; k < 4; ++k) {
            const float* qk = q + k * WP;
            float *v0 = V + ((4 * k) * s.C + c) * T + t0, *v1 = v0 + s.C * T;
            float *v2 = v1 + s.C * T, *v3 = v2 + s.C * T;
            for (int64_t tx = 0; tx < TW; ++tx) {
                const float a = qk[2 * tx], bb = qk[2 * tx + 1], cc = qk[2 * tx + 2], d = qk[2 * tx + 3];
                v0[tx] = a - cc;
                v1[tx] = bb + cc;
                v2[tx] = cc - bb;
                v3[tx] = bb - d;
            }
        }
    }
}

// y[n0+j, o, 2ty + a, 2tx + b] = (A^T M A)[a, b] + bias[o], cropped to HO x WO.
void transform_output(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb, float* y) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO();
    const int64_t tasks = nb * s.OUT * t.TH;
    std::vector<float> buf(size_t(4 * TW));
    float *out0 = buf.data(), *out1 = out0 + 2 * TW;   // the tile row's two output rows
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t j = task / (s.OUT * t.TH), o = task / t.TH % s.OUT, ty = task % t.TH;
        const float bo = bias ? bias[o] : 0.f;
        const float* m = M + o * T + (j * t.TH + ty) * TW;   // m[xi * OUT * T + tx]
        const int64_t st = s.OUT * T;
        for (int64_t tx = 0; tx < TW; ++tx) {
            float r0[4], r1[4];   // A^T M: rows 0 and 1
            for (int jj = 0; jj < 4; ++jj) {
                const float m0 = m[jj * st + tx], m1 = m[(4 + jj) * st + tx];
                const float m2 = m[(8 + jj) * st + tx], m3 = m[(12 + jj) * st + tx];
                r0[jj] = m0 + m1 + m2;
                r1[jj] = m1 - m2 - m3;
            }
            out0[2 * tx] = r0[0] + r0[1] + r0[2] + bo;
            out0[2 * tx + 1] = r0[1] - r0[2] - r0[3] + bo;
            out1[2 * tx] = r1[0] + r1[1] + r1[2] + bo;
            out1[2 * tx + 1] = r1[1] - r1[2] - r1[3] + bo;
        }
        float* dst = y + (((n0 + j) * s.OUT + o) * HO + 2 * ty) * WO;
        std::memcpy(dst, out0, size_t(WO) * sizeof(float));
        if (2 * ty + 1 < HO) std::memcpy(dst + WO, out1, size_t(WO) * sizeof(float));
    }
}

// dM[xi, o, t] = (A dY A^T)[xi] for the 2x2 tile of dy (zero past HO x WO): (16, OUT, nb*TH*TW).
void transform_output_gradient(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, HO = s.HO(), WO = s.WO();
    const int64_t tasks = nb * s.OUT * t.TH;
    std::vector<float> buf(size_t(2 * 2 * TW + 4 * 2 * TW));
    float *e0 = buf.data(), *e1 = e0 + 2 * TW, *f = e1 + 2 * TW;   // f[i * 2TW + xx]: row i of A dY
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t j = task / (s.OUT * t.TH), o = task / t.TH % s.OUT, ty = task % t.TH;
        const float* src = dy + (((n0 + j) * s.OUT + o) * HO + 2 * ty) * WO;
        std::fill(e0, e0 + 4 * TW, 0.f);
        std::memcpy(e0, src, size_t(WO) * sizeof(float));
        if (2 * ty + 1 < HO) std::memcpy(e1, src + WO, size_t(WO) * sizeof(float));
        const int64_t W2 = 2 * TW;
        for (int64_t xx = 0; xx < W2; ++xx) {
            f[xx] = e0[xx];
            f[W2 + xx] = e0[xx] + e1[xx];
            f[2 * W2 + xx] = e0[xx] - e1[xx];
            f[3 * W2 + xx] = -e1[xx];
        }
        const int64_t t0 = (j * t.TH + ty) * TW;
        for (int64_t i = 0; i < 4; ++i) {
            const float* fi = f + i * W2;
            float *d0 = dM + ((4 * i) * s.OUT + o) * T + t0, *d1 = d0 + s.OUT * T;
            float *d2 = d1 + s.OUT * T, *d3 = d2 + s.OUT * T;
            for (int64_t tx = 0; tx < TW; ++tx) {
                const float a = fi[2 * tx], bb = fi[2 * tx + 1];
                d0[tx] = a;
                d1[tx] = a + bb;
                d2[tx] = a - bb;
                d3[tx] = -bb;
            }
        }
    }
}

// dx[n0+j, c] += B dV B^T of every tile, cropped to H x W. Parallel over (image, channel): each task
// owns one plane, since neighbouring tiles overlap by two rows and columns.
void add_input_gradient(const Tiling& t, const float* dV, int64_t n0, int64_t nb, float* dx) {
    const WinogradShape& s = t.s;
    const int64_t T = nb * t.tiles(), TW = t.TW, WP = t.WP;
    const int64_t tasks = nb * s.C;
    std::vector<float> buf(size_t(12 * WP));
    float *lo = buf.data(), *hi = lo + 4 * WP, *q = hi + 4 * WP;
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t j = task / s.C, c = task % s.C;
        float* plane = dx + ((n0 + j) * s.C + c) * s.H * s.W;
        for (int64_t ty = 0; ty < t.TH; ++ty) {
            const int64_t t0 = (j * t.TH + ty) * TW;
            for (int64_t i = 0; i < 4; ++i) {   // dV B^T along each tile's columns; a tile's last
                float *li = lo + i * WP, *hii = hi + i * WP;   // two columns go to hi (they overlap
                const float* v0 = dV + ((4 * i) * s.C + c) * T + t0;   // the next tile's first two)
                const float *v1 = v0 + s.C * T, *v2 = v1 + s.C * T, *v3 = v2 + s.C * T;
                li[WP - 2] = li[WP - 1] = hii[0] = hii[1] = 0.f;
                for (int64_t tx = 0; tx < TW; ++tx) {
                    li[2 * tx] = v0[tx];
                    li[2 * tx + 1] = v1[tx] - v2[tx] + v3[tx];
                    hii[2 * tx + 2] = v1[tx] + v2[tx] - v0[tx];
                    hii[2 * tx + 3] = -v3[tx];
                }
                for (int64_t xx = 0; xx < WP; ++xx) q[i * WP + xx] = li[xx] + hii[xx];
            }
            for (int64_t a = 0; a < 4; ++a) {   // B (.): the same combination of the rows
                const int64_t ih = 2 * ty - s.pad + a;
                if (ih < 0 || ih >= s.H) continue;
                float* row = plane + ih * s.W;
                const float *q0 = q + s.pad, *q1 = q0 + WP, *q2 = q1 + WP, *q3 = q2 + WP;
                if (a == 0) for (int64_t iw = 0; iw < s.W; ++iw) row[iw] += q0[iw];
                if (a == 1) for (int64_t iw = 0; iw < s.W; ++iw) row[iw] += q1[iw] - q2[iw] + q3[iw];
                if (a == 2) for (int64_t iw = 0; iw < s.W; ++iw) row[iw] += q1[iw] + q2[iw] - q0[iw];
                if (a == 3) for (int64_t iw = 0; iw < s.W; ++iw) row[iw] -= q3[iw];
            }
        }
    }
}

// Images per block: the block's V and M (or dM) should stay in the core's own caches (~1 MB).
int64_t block_images(const Tiling& t) {
    const int64_t per_image = t.positions() * (t.s.C + t.s.OUT) * t.tiles();
    return std::clamp<int64_t>(kBlockFloats / std::max<int64_t>(per_image, 1), 1, t.s.N);
}

const WinogradTransforms kWinograd3x3{transform_weights, add_weight_gradient, transform_input,
                                      transform_output, transform_output_gradient, add_input_gradient};

const WinogradTransforms& transforms_for(const WinogradShape& s) {
    CT_CHECK((s.K == 3 && (s.m == 2 || s.m == 4)) || (s.K == 5 && s.m == 2),
             "winograd: no F(" << s.m << "x" << s.m << "," << s.K << "x" << s.K << ")");
    return s.K == 5 ? kWinograd5x5 : s.m == 4 ? kWinograd4x4_3x3 : kWinograd3x3;
}

// Uninitialised scratch for each thread of a parallel region, from the tensor pool: buffers this
// size from malloc come from mmap and fault in fresh pages on every call (1936 page faults per W3 step).
class ThreadScratch {
public:
    explicit ThreadScratch(int64_t per_thread)
        : per_(per_thread), buf_(Tensor::empty({int64_t(num_threads()), std::max<int64_t>(per_thread, 1)})) {}
    float* mine() const {   // this thread's part; call it inside the region
#ifdef _OPENMP
        return buf_.data() + int64_t(omp_get_thread_num()) * per_;
#else
        return buf_.data();
#endif
    }
private:
    int64_t per_;
    Tensor buf_;
};

}  // namespace

void winograd_forward(const WinogradShape& s, const float* x, const float* w, const float* b, float* y) {
    const WinogradTransforms& f = transforms_for(s);
    const Tiling t(s);
    const int64_t NB = block_images(t), blocks = (s.N + NB - 1) / NB, P = t.positions();
    const Tensor U = Tensor::empty({P, s.OUT, s.C});
    f.weights(s, w, U.data());
    const int64_t nv = P * s.C * NB * t.tiles(), nm = P * s.OUT * NB * t.tiles();
    const ThreadScratch scratch(nv + nm);
    parallel_for(blocks, [&](int64_t b0, int64_t b1) {   // BLAS in a parallel region: see the top
        float *V = scratch.mine(), *M = V + nv;
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t n0 = blk * NB, nb = std::min(NB, s.N - n0), T = nb * t.tiles();
            f.input(t, x, n0, nb, V);
            for (int64_t xi = 0; xi < P; ++xi)   // M[xi] (OUT,T) = U[xi] (OUT,C) @ V[xi] (C,T)
                gemm_small(NoTrans, s.OUT, T, s.C, U.data() + xi * s.OUT * s.C, V + xi * s.C * T, M + xi * s.OUT * T);
            f.output(t, M, b, n0, nb, y);
        }
    }, kBlockCost);
}

void winograd_backward(const WinogradShape& s, const float* x, const float* w, const float* dy, float* dx,
                       float* dw) {
    if (!dx && !dw) return;
    const WinogradTransforms& f = transforms_for(s);
    const Tiling t(s);
    const int64_t NB = block_images(t), blocks = (s.N + NB - 1) / NB, OC = s.OUT * s.C, P = t.positions();
    const Tensor U = Tensor::empty({P, s.OUT, s.C});
    const Tensor dU = dw ? Tensor::zeros({P, s.OUT, s.C}) : Tensor();   // the sum of the threads' parts
    if (dx) f.weights(s, w, U.data());
    const int64_t nv = P * s.C * NB * t.tiles(), nm = P * s.OUT * NB * t.tiles();
    const ThreadScratch scratch(nv + nm + (dw ? P * OC : 0));
    parallel_for(blocks, [&](int64_t b0, int64_t b1) {   // BLAS in a parallel region: see the top
        float *V = scratch.mine(), *dM = V + nv, *part = dM + nm;   // part: this thread's dU
        for (int64_t blk = b0; blk < b1; ++blk) {
            const int64_t n0 = blk * NB, nb = std::min(NB, s.N - n0), T = nb * t.tiles();
            f.output_gradient(t, dy, n0, nb, dM);
            if (dw) {
                f.input(t, x, n0, nb, V);
                for (int64_t xi = 0; xi < P; ++xi)   // dU[xi] (OUT,C) (+)= dM[xi] (OUT,T) @ V[xi]^T (T,C)
                    gemm(NoTrans, Trans, s.OUT, s.C, T, dM + xi * s.OUT * T, V + xi * s.C * T,
                         blk == b0 ? 0.f : 1.f, part + xi * OC);
            }
            if (dx) {
                for (int64_t xi = 0; xi < P; ++xi)   // dV[xi] (C,T) = U[xi]^T (C,OUT) @ dM[xi] (OUT,T), into V
                    gemm_small(Trans, s.C, T, s.OUT, U.data() + xi * OC, dM + xi * s.OUT * T, V + xi * s.C * T);
                f.add_input_gradient(t, V, n0, nb, dx);   // blocks own whole images: no race
            }
        }
        if (dw && b0 < b1) {
            float* sum = dU.data();
#pragma omp critical(ct_winograd_dw)
            for (int64_t k = 0; k < P * OC; ++k) sum[k] += part[k];
        }
    }, kBlockCost);
    if (dw) f.add_weight_gradient(s, dU.data(), dw);
}

ConvAlgo choose_conv_algo(int64_t N, int64_t C, int64_t H, int64_t W, int64_t OUT, int64_t KH, int64_t KW,
                          int64_t stride) {
    const char* env = std::getenv("CONTRAST_CONV");
    const std::string mode = env && *env ? env : "auto";
    CT_CHECK_AS(ValueError, mode == "auto" || mode == "im2col" || mode == "winograd" || mode == "winograd4x4",
                "conv2d: CONTRAST_CONV=" << mode << " is not one of: auto, im2col, winograd, winograd4x4");
    const bool applies = KH == KW && (KH == 3 || KH == 5) && stride == 1;
    if (!applies || mode == "im2col") return ConvAlgo::Im2col;
    if (mode == "winograd") return ConvAlgo::Winograd;
    if (mode == "winograd4x4") return KH == 3 ? ConvAlgo::Winograd4x4 : ConvAlgo::Winograd;
    // The measured rule. bench/bench_conv, 2 threads, the two paths alternated call by call, median ms,
    // forward / forward+backward (ratio > 1: the second path faster).
    // 3x3: F(4x4,3x3) from 8 input channels on images of at least 8x8, 2026-11-29, load 1.4-3.4:
    //   im2col vs F(4,3), E2 w=32, batch 512:  3->32 @32   0.85x/0.88x     32->32 @32   2.11x/2.08x
    //                                          32->64 @16  1.50x/1.89x     64->64 @16   1.79x/2.11x
    //                                          64->128 @8  1.39x/2.18x     128->128 @8  1.98x/1.95x
    //   E2 w=64, batch 512: 3->64 @32 0.78x/0.92x; the others 1.22-2.80x / 1.27-2.79x
    //   c -> 32 @32, batch 512: c = 3 0.87x/1.04x, 4 0.97x/1.42x, 8 1.32x/1.79x, 16 1.89x/2.15x
    //   F(2,3) vs F(4,3), E2 w=32, batch 256: 1.43x/1.66x faster at 32x32, 1.22-1.72x / 1.22-1.30x at
    //   16x16, 0.94-1.13x / 1.02-1.09x at 8x8: F(4,3) is never slower, so auto no longer picks F(2,3)
    //   (CONTRAST_CONV=winograd still does; its rounding is the smallest, see the tests).
    // With few input channels the products have an inner dimension of C (3: nearly no work per element
    // moved) while im2col's has 9 C, so forward loses below 8 channels; the 3-channel first layer, which
    // needs no input gradient, and evaluation (forward alone) keep im2col. Images under 8x8 (a 4x4
    // ResNet stage: one 4x4 tile per image) were not measured.
    // 5x5 (F(2x2,5x5); --e1), E1's two layers, batch 256, pad 2, load 4.8-5.3 (two training runs):
    //                        1->32 @28   200/552 vs 616/1444 (0.33x/0.38x)
    //                        32->64 @14  1482/5048 vs 968/2588 (1.53x/1.95x)
    // 36 products of inner dimension C against im2col's one of 25 C. Where it switches, c -> 64, batch
    // 256, after the faster transforms and gemm_small (git 0c901f4, load 2.8-4.4), @14 / @28:
    //   c = 1 0.45x/0.54x, 0.53x/0.63x   4 0.93x/1.26x, 0.98x/1.12x   8 1.63x/1.90x, 1.75x/1.81x
    //   16 2.38x/2.50x, 2.13x/2.45x      32 3.30x/3.08x, 2.05x/2.51x
    // (with sgemm's products, git 1c0fa16: 8 channels 1.09x/1.35x, 1.02x/1.27x): from 8 input channels.
    if (H < 8 || W < 8) return ConvAlgo::Im2col;
    if (KH == 3) return C >= 8 ? ConvAlgo::Winograd4x4 : ConvAlgo::Im2col;
    return C >= 8 ? ConvAlgo::Winograd : ConvAlgo::Im2col;
}

}  // namespace ct::detail
