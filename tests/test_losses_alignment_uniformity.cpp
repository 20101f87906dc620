// losses/alignment_uniformity: against double loops and hand values, gradcheck.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses alignment_uniformity: against double loops, hand values, gradcheck") {
    const Tensor x = randn({12, 4}, 231), y = randn({12, 4}, 232);
    const Mat X = unit_rows(rows_of(x)), Y = unit_rows(rows_of(y));
    double align2 = 0, align1 = 0;
    for (size_t i = 0; i < X.size(); ++i) align2 += sq_dist(X[i], Y[i]), align1 += std::pow(dist(X[i], Y[i]), 1.5);
    std::vector<double> e;
    for (size_t i = 0; i < X.size(); ++i)
        for (size_t j = i + 1; j < X.size(); ++j) e.push_back(-2.0 * sq_dist(X[i], X[j]));
    const double unif_x = log_sum_exp(e) - std::log(double(e.size()));
    CHECK(alignment(x, y).item() == doctest::Approx(align2 / 12).epsilon(1e-5));
    CHECK(alignment(x, y, 1.5f).item() == doctest::Approx(align1 / 12).epsilon(1e-5));
    CHECK(uniformity(x).item() == doctest::Approx(unif_x).epsilon(1e-5));
    // two antipodal points: |x0 - x1|^2 = 4, uniform = log exp(-8) = -8; identical views: align 0
    const Tensor poles = Tensor::from_vector({0, 1, 0, -1}, {2, 2});
    CHECK(uniformity(poles).item() == doctest::Approx(-8.0));
    CHECK(alignment(poles, poles).item() == 0.f);
    const float total = align_uniform_loss(x, y).item();
    CHECK(total == doctest::Approx(alignment(x, y).item() + 0.5f * (uniformity(x).item() + uniformity(y).item())));
    check_gradients([](const std::vector<Tensor>& t) { return align_uniform_loss(t[0], t[1]); },
                    {randn({5, 3}, 233), randn({5, 3}, 234)});
    CHECK_THROWS_WITH_AS(uniformity(randn({1, 3}, 1)), doctest::Contains("uniformity: x must be (N,D) with N >= 2, got [1, 3]"),
                         ct::ShapeError);
}
