// VICReg's three terms composed from var, a GEMM and masked sums; see vicreg.h.
#include "losses/vicreg.h"

namespace ct {
namespace {

void check_embeddings(const char* op, const Tensor& z) {
    CT_CHECK(z.defined() && z.dim() == 2 && z.size(0) >= 2,
             op << ": z must be (N,D) with N >= 2 (a variance needs two samples), got " << (z.defined() ? z.shape() : Shape{}));
}

}  // namespace

Tensor vicreg_variance(const Tensor& z, float gamma, float eps) {
    check_embeddings("vicreg_variance", z);
    return mean(relu(rsub(gamma, sqrt(var(z, 0, true) + eps))));
}

Tensor vicreg_covariance(const Tensor& z) {
    check_embeddings("vicreg_covariance", z);
    const int64_t N = z.size(0), D = z.size(1);
    const Tensor centered = z - mean(z, 0, true);
    const Tensor cov = matmul(centered, centered, true, false) * (1.f / float(N - 1));   // (D,D)
    return sum(square(cov) * rsub(1.f, diag(Tensor::ones({D})))) * (1.f / float(D));
}

Tensor vicreg_loss(const Tensor& z1, const Tensor& z2, const VICRegOptions& o) {
    CT_CHECK(z1.defined() && z2.defined() && z1.dim() == 2 && z1.shape() == z2.shape() && z1.size(0) >= 2,
             "vicreg_loss: z1 " << (z1.defined() ? z1.shape() : Shape{}) << " and z2 "
                                << (z2.defined() ? z2.shape() : Shape{}) << " must both be (N,D) with N >= 2");
    CT_CHECK_AS(ValueError, o.invariance >= 0.f && o.variance >= 0.f && o.covariance >= 0.f && o.eps > 0.f,
                "vicreg_loss: the weights must be >= 0 and eps > 0, got invariance " << o.invariance << ", variance "
                    << o.variance << ", covariance " << o.covariance << ", eps " << o.eps);
    const Tensor invariance = mean(square(z1 - z2));
    const Tensor variance = vicreg_variance(z1, o.gamma, o.eps) + vicreg_variance(z2, o.gamma, o.eps);
    const Tensor covariance = vicreg_covariance(z1) + vicreg_covariance(z2);
    return o.invariance * invariance + o.variance * variance + o.covariance * covariance;
}

}  // namespace ct
