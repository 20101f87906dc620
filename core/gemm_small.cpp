// Small products without packing (core/gemm_small.h): 6 rows of C by 16 (or 8) columns in registers,
// A's entries broadcast, B's rows read in place.
#include "core/gemm_small.h"

#include <algorithm>

namespace ct::detail {
namespace {

// 8 floats as one unaligned vector (GCC's vector extension: AVX with -march=native)
typedef float Floats8 __attribute__((vector_size(32), aligned(4), may_alias));

// C[r][0, 8 CV) = sum_k A[r ars + k aks] B[k ldb + (0, 8 CV)] for the rows r < 6: 6 CV accumulators
// (12 for CV = 2: enough independent sums to keep both FMA units busy through their latency, with
// B's two vectors and A's broadcast still in registers).
template <int CV>
inline void tile(const float* A, int64_t ars, int64_t aks, const float* B, int64_t ldb, float* C, int64_t ldc,
                 int64_t K) {
    Floats8 acc[6][CV];
    for (int r = 0; r < 6; ++r)
        for (int v = 0; v < CV; ++v) acc[r][v] = Floats8{};
    for (int64_t k = 0; k < K; ++k) {
        Floats8 b[CV];
        for (int v = 0; v < CV; ++v) b[v] = *reinterpret_cast<const Floats8*>(B + k * ldb + 8 * v);
        for (int r = 0; r < 6; ++r) {
            const float a = A[r * ars + k * aks];
            for (int v = 0; v < CV; ++v) acc[r][v] += a * b[v];
        }
    }
    for (int r = 0; r < 6; ++r)
        for (int v = 0; v < CV; ++v) *reinterpret_cast<Floats8*>(C + r * ldc + 8 * v) = acc[r][v];
}

// C[m][n] = sum_k op(A)[m][k] B[k][n] for the one column n, all rows m: with too few columns left for
// a tile, dot products (A) or a sum of scaled rows (A^T) over whole rows of A beat an 8-column tile
// that uses one of them. b: K floats of scratch; c: M floats of scratch.
void one_column(Transpose ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t n,
                float* b, float* c) {
    for (int64_t k = 0; k < K; ++k) b[k] = B[k * N + n];
    if (ta == Trans) {   // c = sum_k b[k] A[k, :], A (K,M)
        std::fill(c, c + M, 0.f);
        for (int64_t k = 0; k < K; ++k)
            for (int64_t m = 0; m < M; ++m) c[m] += b[k] * A[k * M + m];
    } else {   // c[m] = A[m, :] . b, A (M,K)
        for (int64_t m = 0; m < M; ++m) {
            const float* a = A + m * K;
            Floats8 sum{};
            int64_t k = 0;
            for (; k + 8 <= K; k += 8)
                sum += *reinterpret_cast<const Floats8*>(a + k) * *reinterpret_cast<const Floats8*>(b + k);
            float r = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
            for (; k < K; ++k) r += a[k] * b[k];
            c[m] = r;
        }
    }
    for (int64_t m = 0; m < M; ++m) C[m * N + n] = c[m];
}

}  // namespace

void gemm_small(Transpose ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C) {
    // B is read once per 6 rows of C, so it should sit in L1 (16 KB here); E1's B: 32 x 49 or 64 x 49
    if (M < 6 || M > 1024 || N < 8 || K * N > 4096) {
        gemm(ta, NoTrans, M, N, K, A, B, 0.f, C);
        return;
    }
    const int64_t ars = ta == NoTrans ? K : 1, aks = ta == NoTrans ? 1 : M;   // A's row and k strides
    for (int64_t i = 0; i < M; i += 6) {
        const int64_t m0 = std::min(i, M - 6);   // the last 6 rows, again where M is no multiple of 6
        const float* a = A + m0 * ars;
        float* c = C + m0 * N;
        int64_t n0 = 0;
        for (; n0 + 16 <= N; n0 += 16) tile<2>(a, ars, aks, B + n0, N, c + n0, N, K);
        for (; n0 + 8 <= N; n0 += 8) tile<1>(a, ars, aks, B + n0, N, c + n0, N, K);
    }
    float b[512], c[1024];   // K <= 512 here (K N <= 4096, N >= 8), M <= 1024
    for (int64_t n = N / 8 * 8; n < N; ++n) one_column(ta, M, N, K, A, B, C, n, b, c);
}

}  // namespace ct::detail
