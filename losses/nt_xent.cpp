// NT-Xent (on core's fused paired_cross_entropy, and composed from normalize, matmul, masked_fill
// and cross_entropy as its reference) and InfoNCE (composed). See nt_xent.h.
#include "losses/nt_xent.h"

#include <limits>


namespace ct {

namespace {
void check_nt_xent_args(const char* op, const Tensor& z1, const Tensor& z2, float temperature) {
    CT_CHECK(z1.defined() && z2.defined() && z1.dim() == 2 && z1.shape() == z2.shape() && z1.size(0) > 0,
             op << ": z1 " << (z1.defined() ? z1.shape() : Shape{}) << " and z2 "
                << (z2.defined() ? z2.shape() : Shape{}) << " must both be (N,D), N >= 1");
    CT_CHECK_AS(ValueError, temperature > 0.f, op << ": temperature must be > 0, got " << temperature);
}

}  // namespace

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, float temperature) {
    check_nt_xent_args("nt_xent_loss", z1, z2, temperature);
    return paired_cross_entropy(normalize(cat({z1, z2}, 0), 1), temperature);   // each an op of core
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
