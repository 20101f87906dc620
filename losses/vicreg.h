// VICReg (Bardes, Ponce & LeCun 2022): variance, invariance, covariance. For the two views'
// embeddings Z, Z' (N,D):
//     s(Z, Z') = (1/(N D)) sum_n |z_n - z'_n|^2                          invariance (the MSE)
//     v(Z)     = (1/D) sum_j max(0, gamma - sqrt(Var(z_.j) + eps))         variance hinge (unbiased Var)
//     c(Z)     = (1/D) sum_{i != j} C(Z)_ij^2,  C(Z) = (1/(N-1)) sum_n (z_n - mean)(z_n - mean)^T
//     L        = lambda s(Z, Z') + mu [v(Z) + v(Z')] + nu [c(Z) + c(Z')]
// The paper's defaults: lambda = mu = 25, nu = 1, gamma = 1, eps = 1e-4 (eq. 6 sums the two views'
// v and c; the authors' code halves v, not c). Barlow Twins, the cross-correlation form, is in barlow_twins.h.
#pragma once
#include "core/ops.h"

namespace ct {

struct VICRegOptions {
    float invariance = 25.f;   // lambda
    float variance = 25.f;     // mu
    float covariance = 1.f;    // nu
    float gamma = 1.f;         // target standard deviation
    float eps = 1e-4f;
};

// z:(N,D), N >= 2 -> (): v(Z) and c(Z) above.
Tensor vicreg_variance(const Tensor& z, float gamma = 1.f, float eps = 1e-4f);
Tensor vicreg_covariance(const Tensor& z);
// z1, z2:(N,D), N >= 2, two views of N images -> ()
Tensor vicreg_loss(const Tensor& z1, const Tensor& z2, const VICRegOptions& options = {});

}  // namespace ct
