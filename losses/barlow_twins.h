// Barlow Twins (Zbontar et al. 2021): redundancy reduction. The two views' embeddings are
// standardised over the batch (each dimension mean 0, variance 1, as the authors' code does with a
// BatchNorm1d without affine: biased variance, eps 1e-5), their cross-correlation
//     C_ij = (1/N) sum_n z1n_ni z2n_nj                    (D,D)
// is pushed towards the identity:
//     L = sum_i (1 - C_ii)^2 + lambda * sum_{i != j} C_ij^2
// The paper's lambda is 5e-3 with D = 8192 and N = 2048. At initialisation the off-diagonal sum is
// about D^2/N and the diagonal one about D, so the balance of the terms is lambda D / N: 0.02 in the
// paper, 0.01 with the CLI's D = 512, N = 256; the CLI keeps 5e-3 (as lightly and solo-learn keep
// it at D = 2048). Similar redundancy reduction with explicit variance terms: vicreg.h.
#pragma once
#include "core/ops.h"

namespace ct {

// z1, z2:(N,D), N >= 2, two views of N images -> ()
Tensor barlow_twins_loss(const Tensor& z1, const Tensor& z2, float lambda = 5e-3f);
// z:(N,D) -> (N,D): each column to mean 0, biased variance 1 (eps 1e-5 under the square root).
Tensor batch_standardize(const Tensor& z, float eps = 1e-5f);

}  // namespace ct
