// NT-Xent's fused core: a cross-entropy over z z^T / t whose target for each row is its pair's row.
// losses/nt_xent.cpp builds NT-Xent on it; it lives in core because it records its own graph node.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/blas.h"
#include "core/fast_exp.h"
#include "core/ops.h"
#include "core/parallel.h"

namespace ct {

// z:(M,D), M = 2N -> ()   L = mean_i -log softmax_{j != i}(S_i / t)_{partner(i)}, S = z z^T,
// partner(i) = (i + N) mod M.
// Why fused: composed, the (M,M) logits pass through scale, masked_fill, log_softmax, gather and
// mean, each a full pass with its own buffer, and matmul's backward costs two GEMMs. Here the
// forward is one GEMM plus two passes over each row (max, then the sum of exps), and since
// S = z z^T is symmetric the backward is one GEMM: dz = (G + G^T) z with G = dL/dS. Backward
// rebuilds both P_ij and P_ji from row i of S and the rows' log-sum-exps, so it never reads S by
// column. Checked against nt_xent_loss_composed in tests/test_losses_nt_xent.cpp, and by finite
// differences in tests/test_all_ops_gradcheck.cpp.
Tensor paired_cross_entropy(const Tensor& z, float temperature) {
    CT_CHECK(z.defined() && z.dim() == 2 && z.size(0) >= 2 && z.size(0) % 2 == 0,
             "paired_cross_entropy: z must be (2N,D) with N >= 1, got " << (z.defined() ? z.shape() : Shape{}));
    CT_CHECK_AS(ValueError, temperature > 0.f, "paired_cross_entropy: temperature must be > 0, got " << temperature);
    const int64_t M = z.size(0), D = z.size(1), N = M / 2;
    const float inv_t = 1.f / temperature;
    constexpr float minus_inf = -std::numeric_limits<float>::infinity();
    Tensor s = Tensor::empty({M, M});   // cosines, the diagonal set to -inf: self is masked out
    float* ps = s.data();
    gemm(NoTrans, Trans, M, M, D, z.data(), z.data(), 0.f, ps);   // S = z z^T
    std::vector<float> lse(static_cast<size_t>(M));   // log sum_{j != i} exp(S_ij / t), per row
    std::vector<double> row_loss(static_cast<size_t>(M));
    parallel_for(M, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            float* r = ps + i * M;
            r[i] = minus_inf;
            float mx = minus_inf;
#pragma omp simd reduction(max : mx)
            for (int64_t j = 0; j < M; ++j) mx = std::max(mx, r[j]);
            const float shift = mx * inv_t, it = inv_t;   // the max logit: no exp overflows
            float z_sum = 0.f;   // the diagonal adds fast_exp's floor, 1e-38: nothing next to >= 1
#pragma omp simd reduction(+ : z_sum)
            for (int64_t j = 0; j < M; ++j) z_sum += fast_exp(r[j] * it - shift);
            lse[size_t(i)] = shift + std::log(z_sum);
            row_loss[size_t(i)] = double(lse[size_t(i)]) - double(r[(i + N) % M] * inv_t);   // -log P_i,partner
        }
    }, 16 * M);
    double total = 0;
    for (double v : row_loss) total += v;
    Tensor loss = Tensor::scalar(float(total / double(M)));
    return record("paired_cross_entropy", loss, {z}, [z, sd = s.detach(), lse, M, N, D, inv_t](const float* dy, Grads& g) {
        float* dz = g.get(0);
        if (!dz) return;
        // dL/dS_ij = dy/M * (P_ij - [j = partner(i)]) / t (0 on the diagonal), P_ij = exp(S_ij/t - lse_i);
        // H = G + G^T, and partner() is its own inverse, so both -1 terms land on (i, partner(i)).
        const float c = dy[0] * inv_t / float(M);
        const float* S = sd.data();
        const float* L = lse.data();
        Tensor h = Tensor::empty({M, M});
        float* ph = h.data();
        parallel_for(M, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
                const float* r = S + i * M;
                float* hr = ph + i * M;
                const float lse_i = L[i], scale = c, it = inv_t;
#pragma omp simd
                for (int64_t j = 0; j < M; ++j) {
                    const float logit = r[j] * it;
                    hr[j] = scale * (fast_exp(logit - lse_i) + fast_exp(logit - L[j]));   // c (P_ij + P_ji)
                }
                hr[i] = 0.f;
                hr[(i + N) % M] -= 2.f * c;
            }
        }, 32 * M);
        gemm(NoTrans, NoTrans, M, D, M, ph, z.data(), 1.f, dz);   // dz += (G + G^T) z
    });
}
}  // namespace ct
