// Multi-similarity loss (Wang et al. 2019), as pytorch-metric-learning: with similarities S
// (cosine by default) and, per anchor i, its positives P_i and negatives N_i (all pairs, or those
// kept by multi_similarity_miner in miners.h, epsilon 0.1):
//     L_i = 1/alpha log(1 + sum_{p in P_i} exp(-alpha (S_ip - base)))
//         + 1/beta  log(1 + sum_{n in N_i} exp( beta (S_in - base)))
// and the mean over all anchors (one with no pair contributes log 1 = 0).
#pragma once
#include <vector>

#include "losses/miners.h"

namespace ct {

struct MultiSimilarityOptions {
    float alpha = 2.f;
    float beta = 50.f;
    float base = 0.5f;
    Distance distance = Distance::cosine();   // a distance mirrors the signs (d - base, base - d)
};

// embeddings:(N,D), labels:N, pairs (e.g. multi_similarity_miner(...).pairs) -> ()
Tensor multi_similarity_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                             const PairIndices& pairs, const MultiSimilarityOptions& options = {});
// Over every pair of the batch.
Tensor multi_similarity_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                             const MultiSimilarityOptions& options = {});

}  // namespace ct
