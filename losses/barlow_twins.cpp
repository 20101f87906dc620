// Barlow Twins composed from a batch standardisation, one GEMM and masked sums; see barlow_twins.h.
#include "losses/barlow_twins.h"

namespace ct {

Tensor batch_standardize(const Tensor& z, float eps) {
    const Tensor centered = z - mean(z, 0, true);                       // (N,D)
    return centered / sqrt(mean(square(centered), 0, true) + eps);      // / sqrt(biased var + eps)
}

Tensor barlow_twins_loss(const Tensor& z1, const Tensor& z2, float lambda) {
    CT_CHECK(z1.defined() && z2.defined() && z1.dim() == 2 && z1.shape() == z2.shape() && z1.size(0) >= 2,
             "barlow_twins_loss: z1 " << (z1.defined() ? z1.shape() : Shape{}) << " and z2 "
                                      << (z2.defined() ? z2.shape() : Shape{}) << " must both be (N,D) with N >= 2");
    CT_CHECK_AS(ValueError, lambda >= 0.f, "barlow_twins_loss: lambda must be >= 0, got " << lambda);
    const int64_t N = z1.size(0), D = z1.size(1);
    const Tensor c = matmul(batch_standardize(z1), batch_standardize(z2), true, false) * (1.f / float(N));   // (D,D)
    const Tensor eye = diag(Tensor::ones({D}));
    const Tensor on_diagonal = sum(square(rsub(1.f, diag(c))));
    const Tensor off_diagonal = sum(square(c) * rsub(1.f, eye));
    return on_diagonal + lambda * off_diagonal;
}

}  // namespace ct
