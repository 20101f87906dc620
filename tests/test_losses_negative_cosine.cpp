// losses/negative_cosine: SimSiam's and BYOL's losses against double loops over the formulas, a
// hand value, the stop-gradient (the target gets no gradient), gradchecks and shape errors.
#include "losses/negative_cosine.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// mean_i cos(p_i, z_i) in double
double mean_cosine(const Tensor& p, const Tensor& z) {
    const Mat P = rows_of(p), Z = rows_of(z);
    double s = 0;
    for (size_t i = 0; i < P.size(); ++i) s += cosine(P[i], Z[i]);
    return s / double(P.size());
}
}  // namespace

TEST_CASE("losses negative_cosine: SimSiam and BYOL against double loops and a hand value") {
    const Tensor p1 = randn({6, 5}, 501), p2 = randn({6, 5}, 502), z1 = randn({6, 5}, 503), z2 = randn({6, 5}, 504);
    CHECK(negative_cosine(p1, z2).item() == doctest::Approx(-mean_cosine(p1, z2)).epsilon(1e-5));
    CHECK(simsiam_loss(p1, p2, z1, z2).item() ==
          doctest::Approx(-0.5 * mean_cosine(p1, z2) - 0.5 * mean_cosine(p2, z1)).epsilon(1e-5));
    // BYOL as the paper writes it: the squared distance of the unit vectors
    const Mat P1 = unit_rows(rows_of(p1)), P2 = unit_rows(rows_of(p2)), Z1 = unit_rows(rows_of(z1)), Z2 = unit_rows(rows_of(z2));
    double byol = 0;
    for (size_t i = 0; i < 6; ++i) byol += (sq_dist(P1[i], Z2[i]) + sq_dist(P2[i], Z1[i])) / 6.0;
    CHECK(byol_loss(p1, p2, z1, z2).item() == doctest::Approx(byol).epsilon(1e-5));
    // by hand: p = (1,0), z = (1,1): cos = 1/sqrt 2, so D = -0.70711 and 2 - 2cos = 0.58579
    const Tensor p = Tensor::from_vector({1, 0}, {1, 2}), z = Tensor::from_vector({1, 1}, {1, 2});
    CHECK(negative_cosine(p, z).item() == doctest::Approx(-0.70711).epsilon(1e-4));
    CHECK(normalized_regression(p, z).item() == doctest::Approx(0.58579).epsilon(1e-4));
    // the scale of either side does not matter
    CHECK(normalized_regression(p1 * 3.f, z2 * 0.1f).item() == doctest::Approx(normalized_regression(p1, z2).item()).epsilon(1e-5));
}

TEST_CASE("losses negative_cosine: the target is stopped; gradients of the prediction pass gradcheck") {
    const Tensor p = randn({4, 3}, 511).requires_grad_(true), z = randn({4, 3}, 512).requires_grad_(true);
    byol_loss(p, p, z, z).backward();
    CHECK(p.grad().defined());
    CHECK_FALSE(z.grad().defined());   // stop-gradient: nothing flows into the target
    const Tensor z1 = randn({4, 3}, 513), z2 = randn({4, 3}, 514);
    // the targets are constants of the check (their numeric gradient is not 0, their analytic one is)
    check_gradients([&](const std::vector<Tensor>& t) { return simsiam_loss(t[0], t[1], z1, z2); },
                    {randn({4, 3}, 515), randn({4, 3}, 516)});
    check_gradients([&](const std::vector<Tensor>& t) { return byol_loss(t[0], t[1], z1, z2); },
                    {randn({4, 3}, 517), randn({4, 3}, 518)});
}

TEST_CASE("losses negative_cosine: bad shapes name the op and the shapes") {
    CHECK_THROWS_WITH_AS(negative_cosine(randn({4, 3}, 1), randn({4, 2}, 2)),
                         doctest::Contains("negative_cosine: p [4, 3] and z [4, 2] must both be (N,D)"), ShapeError);
    CHECK_THROWS_WITH_AS(byol_loss(randn({4, 3}, 1), randn({4, 3}, 1), randn({4, 3}, 1), randn({3}, 2)),
                         doctest::Contains("byol_loss: p [4, 3] and z [3] must both be (N,D)"), ShapeError);
    CHECK_THROWS_WITH_AS(simsiam_loss(randn({2, 3}, 1), randn({4, 3}, 1), randn({4, 3}, 1), randn({4, 3}, 2)),
                         doctest::Contains("simsiam_loss: p [2, 3] and z [4, 3]"), ShapeError);
}
