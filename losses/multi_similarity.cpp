// Multi-similarity loss composed from masked_fill and logsumexp on one similarity matrix.
// See multi_similarity.h.
#include "losses/multi_similarity.h"

#include <limits>

namespace ct {

namespace {
// log(1 + sum_{j: mask_ij} exp(x_ij)) per row, stable: logsumexp over [x masked to -inf, 0].
// x:(N,N) mask:(N,N) -> (N)
Tensor log1p_sum_exp(const Tensor& x, const Tensor& mask) {
    const Tensor kept = masked_fill(x, logical_not(mask), -std::numeric_limits<float>::infinity());
    return logsumexp(cat({kept, Tensor::zeros({x.size(0), 1})}, 1), 1);   // the 0 column is the "1 +"
}
Tensor pair_mask(int64_t N, const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
    Tensor m = Tensor::zeros({N, N});
    for (size_t k = 0; k < rows.size(); ++k) m.data()[rows[k] * N + cols[k]] = 1.f;
    return m;
}
}  // namespace

Tensor multi_similarity_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const PairIndices& pairs,
                             const MultiSimilarityOptions& o) {
    check_embeddings_labels("multi_similarity_loss", embeddings, labels);
    CT_CHECK_AS(ValueError, o.alpha > 0.f && o.beta > 0.f,
                "multi_similarity_loss: alpha " << o.alpha << " and beta " << o.beta << " must be > 0");
    const int64_t N = embeddings.size(0);
    for (const auto* idx : {&pairs.a1, &pairs.p, &pairs.a2, &pairs.n})
        for (int64_t v : *idx)
            CT_CHECK(v >= 0 && v < N, "multi_similarity_loss: pair index " << v << " out of range for " << N
                                                                           << " embeddings");
    CT_CHECK(pairs.a1.size() == pairs.p.size() && pairs.a2.size() == pairs.n.size(),
             "multi_similarity_loss: pair index lists differ in length");
    const Tensor s = o.distance.matrix(embeddings);   // (N,N)
    const Tensor pos = log1p_sum_exp(o.alpha * o.distance.margin(s, o.base), pair_mask(N, pairs.a1, pairs.p));
    const Tensor neg = log1p_sum_exp(o.beta * o.distance.margin(o.base, s), pair_mask(N, pairs.a2, pairs.n));
    return mean(pos * (1.f / o.alpha) + neg * (1.f / o.beta));
}

Tensor multi_similarity_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                             const MultiSimilarityOptions& options) {
    check_embeddings_labels("multi_similarity_loss", embeddings, labels);
    return multi_similarity_loss(embeddings, labels, all_pairs(labels), options);
}

}  // namespace ct
