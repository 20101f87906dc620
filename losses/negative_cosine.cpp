// SimSiam's and BYOL's regression losses composed from normalize and a row sum; see negative_cosine.h.
#include "losses/negative_cosine.h"

namespace ct {
namespace {

void check_pair(const char* op, const Tensor& p, const Tensor& z) {
    CT_CHECK(p.defined() && z.defined() && p.dim() == 2 && p.shape() == z.shape() && p.size(0) > 0,
             op << ": p " << (p.defined() ? p.shape() : Shape{}) << " and z " << (z.defined() ? z.shape() : Shape{})
                << " must both be (N,D) with N >= 1");
}

// (N,D), (N,D) -> (N): cos(p_i, z_i) with z detached
Tensor cosine_to_target(const Tensor& p, const Tensor& z) {
    return sum(normalize(p, 1) * normalize(z.detach(), 1), 1);
}

}  // namespace

Tensor negative_cosine(const Tensor& p, const Tensor& z) {
    check_pair("negative_cosine", p, z);
    return -mean(cosine_to_target(p, z));
}

Tensor simsiam_loss(const Tensor& p1, const Tensor& p2, const Tensor& z1, const Tensor& z2) {
    check_pair("simsiam_loss", p1, z2);
    check_pair("simsiam_loss", p2, z1);
    return 0.5f * negative_cosine(p1, z2) + 0.5f * negative_cosine(p2, z1);
}

Tensor normalized_regression(const Tensor& p, const Tensor& z) {
    check_pair("normalized_regression", p, z);
    // |a - b|^2 = 2 - 2 a.b for unit a, b
    return mean(rsub(2.f, 2.f * cosine_to_target(p, z)));
}

Tensor byol_loss(const Tensor& p1, const Tensor& p2, const Tensor& z1, const Tensor& z2) {
    check_pair("byol_loss", p1, z2);
    check_pair("byol_loss", p2, z1);
    return normalized_regression(p1, z2) + normalized_regression(p2, z1);
}

}  // namespace ct
