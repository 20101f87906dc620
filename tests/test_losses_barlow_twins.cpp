// losses/barlow_twins: against a double loop over the paper's formula, hand values (identical and
// independent views), gradcheck and shape errors.
#include "losses/barlow_twins.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// Columns standardised with the biased variance (+ eps), C = A^T B / N,
// sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2.
Mat standardized(const Mat& Z, double eps) {
    const size_t N = Z.size(), D = Z[0].size();
    Mat out(Z);
    for (size_t j = 0; j < D; ++j) {
        double m = 0, v = 0;
        for (size_t n = 0; n < N; ++n) m += Z[n][j] / double(N);
        for (size_t n = 0; n < N; ++n) v += (Z[n][j] - m) * (Z[n][j] - m) / double(N);
        for (size_t n = 0; n < N; ++n) out[n][j] = (Z[n][j] - m) / std::sqrt(v + eps);
    }
    return out;
}
double barlow_reference(const Tensor& z1, const Tensor& z2, double lambda) {
    const Mat A = standardized(rows_of(z1), 1e-5), B = standardized(rows_of(z2), 1e-5);
    const size_t N = A.size(), D = A[0].size();
    double loss = 0;
    for (size_t i = 0; i < D; ++i)
        for (size_t j = 0; j < D; ++j) {
            double c = 0;
            for (size_t n = 0; n < N; ++n) c += A[n][i] * B[n][j] / double(N);
            loss += i == j ? (1 - c) * (1 - c) : lambda * c * c;
        }
    return loss;
}
}  // namespace

TEST_CASE("losses barlow_twins: against a double loop over the formula, and hand values") {
    const Tensor z1 = randn({10, 4}, 601), z2 = randn({10, 4}, 602);
    CHECK(barlow_twins_loss(z1, z2, 5e-3f).item() == doctest::Approx(barlow_reference(z1, z2, 5e-3)).epsilon(1e-4));
    CHECK(barlow_twins_loss(z1, z2, 0.5f).item() == doctest::Approx(barlow_reference(z1, z2, 0.5)).epsilon(1e-4));
    // identical views whose two columns are uncorrelated: C = I up to eps, so the loss is ~0.
    // columns (1,-1,1,-1) and (1,1,-1,-1): mean 0, variance 1, orthogonal
    const Tensor z = Tensor::from_vector({1, 1, -1, 1, 1, -1, -1, -1}, {4, 2});
    CHECK(barlow_twins_loss(z, z).item() == doctest::Approx(0.0).scale(1.0).epsilon(1e-4));
    // view 2 = view 1 with the columns swapped: C = [[0,1],[1,0]], loss = 2 + lambda * 2
    const Tensor swapped = Tensor::from_vector({1, 1, 1, -1, -1, 1, -1, -1}, {4, 2});
    CHECK(barlow_twins_loss(z, swapped, 0.1f).item() == doctest::Approx(2.2).epsilon(1e-4));
    // invariant to a per-dimension affine change of either view (the standardisation removes it)
    CHECK(barlow_twins_loss(z1 * 4.f + 3.f, z2).item() == doctest::Approx(barlow_twins_loss(z1, z2).item()).epsilon(1e-4));
}

TEST_CASE("losses barlow_twins: gradcheck and shape errors") {
    check_gradients([](const std::vector<Tensor>& t) { return barlow_twins_loss(t[0], t[1], 0.05f); },
                    {randn({6, 3}, 611), randn({6, 3}, 612)});
    CHECK_THROWS_WITH_AS(barlow_twins_loss(randn({6, 3}, 1), randn({6, 4}, 2)),
                         doctest::Contains("barlow_twins_loss: z1 [6, 3] and z2 [6, 4] must both be (N,D) with N >= 2"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(barlow_twins_loss(randn({1, 3}, 1), randn({1, 3}, 2)),
                         doctest::Contains("barlow_twins_loss: z1 [1, 3] and z2 [1, 3]"), ShapeError);
    CHECK_THROWS_WITH_AS(barlow_twins_loss(randn({4, 3}, 1), randn({4, 3}, 2), -1.f),
                         doctest::Contains("lambda must be >= 0, got -1"), ValueError);
}
