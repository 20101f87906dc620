// Lifted structured loss (Song et al. 2016, eq. 4): for each positive pair {i,j} of the batch,
//     J_ij = log( sum_{k in N(i)} exp(m - D_ik) + sum_{l in N(j)} exp(m - D_jl) ) + D_ij
//     L = 1/(2|P|) sum_{{i,j} in P} max(0, J_ij)^2
// P the unordered positive pairs, N(i) the negatives of i, D the Euclidean distance.
// Computed in O(N^2) memory: the per-sample log-sum-exp over negatives is one masked row
// reduction of the distance matrix, and J_ij combines two of them (pytorch-metric-learning's
// version builds a |P| x |N| matrix instead).
#pragma once
#include <vector>

#include "losses/distance.h"

namespace ct {

// embeddings:(N,D), labels:N -> (). No positive pair or no negative: a zero connected to the graph.
Tensor lifted_structure_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, float margin = 1.f,
                             const Distance& distance = Distance::euclidean(false));

}  // namespace ct
