// N-pair loss (Sohn 2016): N pairs (a_i, p_i) of N distinct classes; each anchor must pick its own
// positive among all N positives:
//     L = 1/N sum_i log(1 + sum_{j != i} exp(a_i.p_j - a_i.p_i)) = cross_entropy(a p^T, i)
// plus an optional L2 penalty l2_reg * 1/N sum_i (|a_i|^2 + |p_i|^2) on the raw embeddings.
#pragma once
#include <vector>

#include "core/ops.h"

namespace ct {

// anchors, positives:(N,D), pair i of its own class -> ()
Tensor npair_loss(const Tensor& anchors, const Tensor& positives, float l2_reg = 0.f);

// embeddings:(M,D), labels:M -> (). Each class with at least two samples gives one pair, its first
// two samples in batch order (as pytorch-metric-learning's NPairsLoss); other classes are skipped.
// Fewer than one pair: a zero connected to the graph.
Tensor npair_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, float l2_reg = 0.f);

}  // namespace ct
