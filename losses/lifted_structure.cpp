// Lifted structured loss from one distance matrix and two logsumexp reductions. See lifted_structure.h.
#include "losses/lifted_structure.h"

#include <limits>

#include "losses/miners.h"
#include "losses/reducer.h"

namespace ct {

Tensor lifted_structure_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, float margin,
                             const Distance& distance) {
    check_embeddings_labels("lifted_structure_loss", embeddings, labels);
    const int64_t N = embeddings.size(0);
    Tensor negative = Tensor::zeros({N, N});
    std::vector<int64_t> pi, pj;   // unordered positive pairs i < j
    bool any_negative = false;
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) {
            const bool same = labels[size_t(i)] == labels[size_t(j)];
            negative.data()[i * N + j] = same ? 0.f : 1.f;
            any_negative |= !same;
            if (same && i < j) pi.push_back(i), pj.push_back(j);
        }
    // When any label differs every sample has a negative, so no logsumexp row is all -inf.
    if (pi.empty() || !any_negative) return zero_loss(embeddings);
    const Tensor d = distance.matrix(embeddings);   // (N,N)
    // lse_i = log sum_{k in N(i)} exp(m - D_ik)   (N)
    const Tensor lse = logsumexp(masked_fill(distance.margin(margin, d), logical_not(negative),
                                             -std::numeric_limits<float>::infinity()),
                                 1);
    // log(e^lse_i + e^lse_j) as a logsumexp over the pair: stable when both are large   (P)
    const Tensor both = logsumexp(stack({index_select(lse, 0, pi), index_select(lse, 0, pj)}, 1), 1);
    const Tensor j = both + matrix_entries(d, pi, pj);
    return sum(square(relu(j))) * (0.5f / float(pi.size()));
}

}  // namespace ct
