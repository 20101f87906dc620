// NT-Xent (fused, and composed from normalize, matmul, masked_fill and cross_entropy as its
// reference) and InfoNCE (composed). See nt_xent.h.
#include "losses/nt_xent.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/blas.h"
#include "core/fast_exp.h"
#include "core/parallel.h"

namespace ct {

namespace {
void check_nt_xent_args(const char* op, const Tensor& z1, const Tensor& z2, float temperature) {
    CT_CHECK(z1.defined() && z2.defined() && z1.dim() == 2 && z1.shape() == z2.shape() && z1.size(0) > 0,
             op << ": z1 " << (z1.defined() ? z1.shape() : Shape{}) << " and z2 "
                << (z2.defined() ? z2.shape() : Shape{}) << " must both be (N,D), N >= 1");
    CT_CHECK_AS(ValueError, temperature > 0.f, op << ": temperature must be > 0, got " << temperature);
}

// The fused core of NT-Xent on unit rows z:(M,D), M = 2N -> ().
// Why fused: composed, the (M,M) logits pass through scale, masked_fill, log_softmax, gather and
// mean, each a full pass with its own buffer, and matmul's backward costs two GEMMs. Here the
// forward is one GEMM plus two passes over each row (max, then the sum of exps), and since
// S = z z^T is symmetric the backward is one GEMM: dz = (G + G^T) z with G = dL/dS. Backward
// rebuilds both P_ij and P_ji from row i of S and the rows' log-sum-exps, so it never reads S by
// column. Checked against nt_xent_loss_composed in tests/test_losses_nt_xent.cpp.
Tensor nt_xent_fused(const Tensor& z, float temperature) {
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
    return record("nt_xent", loss, {z}, [z, sd = s.detach(), lse, M, N, D, inv_t](const float* dy, Grads& g) {
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
}  // namespace

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, float temperature) {
    check_nt_xent_args("nt_xent_loss", z1, z2, temperature);
    return nt_xent_fused(normalize(cat({z1, z2}, 0), 1), temperature);   // cat, normalize: ops of their own
}

Tensor nt_xent_loss_composed(const Tensor& z1, const Tensor& z2, float temperature) {
    check_nt_xent_args("nt_xent_loss_composed", z1, z2, temperature);
    const int64_t N = z1.size(0);
    const Tensor z = normalize(cat({z1, z2}, 0), 1);                     // (2N,D), unit rows
    Tensor logits = matmul(z, z, false, true) * (1.f / temperature);     // (2N,2N) cosine / tau
    // -inf on the diagonal: exp(-inf) = 0 drops self-similarity from every softmax denominator,
    // and the row max that log_softmax subtracts is a real entry, so no row is all -inf.
    logits = masked_fill(logits, Tensor::eye(2 * N), -std::numeric_limits<float>::infinity());
    std::vector<int64_t> partner(size_t(2 * N));
    for (int64_t i = 0; i < 2 * N; ++i) partner[size_t(i)] = (i + N) % (2 * N);
    return cross_entropy(logits, partner);
}

Tensor info_nce(const Tensor& query, const Tensor& positive_key, const Tensor& negative_keys, float temperature) {
    CT_CHECK(query.defined() && positive_key.defined() && query.dim() == 2 && query.shape() == positive_key.shape(),
             "info_nce: query " << (query.defined() ? query.shape() : Shape{}) << " and positive_key "
                                << (positive_key.defined() ? positive_key.shape() : Shape{})
                                << " must both be (N,D)");
    CT_CHECK_AS(ValueError, temperature > 0.f, "info_nce: temperature must be > 0, got " << temperature);
    const int64_t N = query.size(0), D = query.size(1);
    const Tensor q = normalize(query, 1), p = normalize(positive_key, 1);
    if (!negative_keys.defined()) {   // in-batch negatives: row i's target is column i
        std::vector<int64_t> diagonal(static_cast<size_t>(N));
        for (int64_t i = 0; i < N; ++i) diagonal[size_t(i)] = i;
        return cross_entropy(matmul(q, p, false, true) * (1.f / temperature), diagonal);
    }
    const bool shared = negative_keys.dim() == 2;
    CT_CHECK((shared && negative_keys.size(1) == D) ||
                 (negative_keys.dim() == 3 && negative_keys.size(0) == N && negative_keys.size(2) == D),
             "info_nce: negative_keys " << negative_keys.shape() << " must be (M," << D << ") or (" << N
                                        << ",M," << D << ") for query " << query.shape());
    const Tensor neg = normalize(negative_keys, -1);
    const Tensor positive_logit = sum(q * p, 1, true);                                   // (N,1)
    const Tensor negative_logits = shared ? matmul(q, neg, false, true)                  // (N,M)
                                          : reshape(matmul(neg, unsqueeze(q, 2)), {N, -1});
    const Tensor logits = cat({positive_logit, negative_logits}, 1) * (1.f / temperature);
    return cross_entropy(logits, std::vector<int64_t>(size_t(N), 0));   // the positive is column 0
}

}  // namespace ct
