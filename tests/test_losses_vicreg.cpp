// losses/vicreg: each term and the sum against double loops over the paper's formulas, hand values,
// gradcheck (inputs away from the hinge's kink) and shape errors.
#include "losses/vicreg.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
struct Terms {
    double variance, covariance;
};
// v(Z) and c(Z) in double, unbiased (N-1) statistics as the paper.
Terms terms(const Tensor& z, double gamma = 1, double eps = 1e-4) {
    const Mat Z = rows_of(z);
    const size_t N = Z.size(), D = Z[0].size();
    Row m(D, 0.0);
    for (const Row& r : Z)
        for (size_t j = 0; j < D; ++j) m[j] += r[j] / double(N);
    Terms t{0, 0};
    for (size_t i = 0; i < D; ++i)
        for (size_t j = 0; j < D; ++j) {
            double c = 0;
            for (const Row& r : Z) c += (r[i] - m[i]) * (r[j] - m[j]) / double(N - 1);
            if (i == j) t.variance += relu(gamma - std::sqrt(c + eps)) / double(D);
            else t.covariance += c * c / double(D);
        }
    return t;
}
}  // namespace

TEST_CASE("losses vicreg: against double loops over the formulas, and hand values") {
    // column scales 0.5 and 2: one hinge active, one not
    const Tensor scale = Tensor::from_vector({0.5f, 2.f, 0.5f}, {3});
    const Tensor z1 = randn({9, 3}, 701) * scale, z2 = randn({9, 3}, 702) * scale;
    const Terms a = terms(z1), b = terms(z2);
    CHECK(vicreg_variance(z1).item() == doctest::Approx(a.variance).epsilon(1e-4));
    CHECK(vicreg_covariance(z1).item() == doctest::Approx(a.covariance).epsilon(1e-4));
    double mse = 0;
    const Mat A = rows_of(z1), B = rows_of(z2);
    for (size_t n = 0; n < 9; ++n) mse += sq_dist(A[n], B[n]) / 27.0;
    const double expected = 25 * mse + 25 * (a.variance + b.variance) + 1 * (a.covariance + b.covariance);
    CHECK(vicreg_loss(z1, z2).item() == doctest::Approx(expected).epsilon(1e-4));
    // by hand: one column (1,-1) has unbiased variance 2, std sqrt(2 + 1e-4) > 1: no variance
    // penalty; a constant column has std sqrt(1e-4) = 0.01: penalty 0.99; one column, no covariance
    CHECK(vicreg_variance(Tensor::from_vector({1, -1}, {2, 1})).item() == 0.f);
    CHECK(vicreg_variance(Tensor::from_vector({3, 3}, {2, 1})).item() == doctest::Approx(0.99).epsilon(1e-5));
    CHECK(vicreg_covariance(Tensor::from_vector({3, 1}, {2, 1})).item() == 0.f);
    // columns (1,-1) and (1,-1): covariance 2 off the diagonal twice: (4 + 4) / 2 = 4
    CHECK(vicreg_covariance(Tensor::from_vector({1, 1, -1, -1}, {2, 2})).item() == doctest::Approx(4.0));
}

TEST_CASE("losses vicreg: gradcheck and shape errors") {
    // standard deviations near 0.5 and 2, far from the hinge at gamma = 1
    const Tensor scale = Tensor::from_vector({0.5f, 2.f, 0.5f}, {3});
    VICRegOptions o;
    o.invariance = 2.f, o.variance = 3.f, o.covariance = 0.5f;   // every term visible in the gradient
    check_gradients([&](const std::vector<Tensor>& t) { return vicreg_loss(t[0] * scale, t[1] * scale, o); },
                    {randn({8, 3}, 711), randn({8, 3}, 712)});
    CHECK_THROWS_WITH_AS(vicreg_loss(randn({6, 3}, 1), randn({5, 3}, 2)),
                         doctest::Contains("vicreg_loss: z1 [6, 3] and z2 [5, 3] must both be (N,D) with N >= 2"), ShapeError);
    CHECK_THROWS_WITH_AS(vicreg_variance(randn({1, 3}, 1)),
                         doctest::Contains("vicreg_variance: z must be (N,D) with N >= 2 (a variance needs two samples), got [1, 3]"),
                         ShapeError);
    o.eps = 0.f;
    CHECK_THROWS_WITH_AS(vicreg_loss(randn({4, 3}, 1), randn({4, 3}, 2), o), doctest::Contains("eps 0"), ValueError);
}
