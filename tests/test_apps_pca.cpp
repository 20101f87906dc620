// apps/lib/pca: principal axes from LAPACK, checked on data with known axes.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/lib/pca.h"
#include "core/random.h"

using namespace ct;

TEST_CASE("apps pca: recovers a known principal axis") {
    SUBCASE("points on the line y = 2x in 3-D: axis (1,2,0)/sqrt(5)") {
        // x_i = t_i (1, 2, 0) + (5, -1, 3), t = -2..2. Covariance = var(t) v v^T with v = (1,2,0):
        // var(t) = (4+1+0+1+4)/4 = 2.5, so the top eigenvalue is 2.5 |v|^2 = 12.5 and the axis v/sqrt(5).
        std::vector<float> v;
        for (int t = -2; t <= 2; ++t) v.insert(v.end(), {5.f + t, -1.f + 2 * t, 3.f});
        Pca pca = fit_pca(Tensor::from_vector(v, {5, 3}), 1);
        CHECK(pca.components.at({0, 0}) == doctest::Approx(1 / std::sqrt(5.0)));
        CHECK(pca.components.at({0, 1}) == doctest::Approx(2 / std::sqrt(5.0)));   // largest entry: positive
        CHECK(pca.components.at({0, 2}) == doctest::Approx(0.0));
        CHECK(pca.explained_variance[0] == doctest::Approx(12.5));
        CHECK(pca.total_variance == doctest::Approx(12.5));
        CHECK(pca.mean.at({0}) == doctest::Approx(5.0));
        // the projection of x_i is t_i |v| = t_i sqrt(5)
        Tensor y = pca.transform(Tensor::from_vector(v, {5, 3}));
        CHECK(y.at({0, 0}) == doctest::Approx(-2 * std::sqrt(5.0)));
        CHECK(y.at({4, 0}) == doctest::Approx(2 * std::sqrt(5.0)));
    }
    SUBCASE("an anisotropic Gaussian rotated by 30 degrees in 4-D") {
        // std 3 along u = (cos 30, sin 30, 0, 0), 1 along w = (-sin 30, cos 30, 0, 0), 0.1 elsewhere:
        // the axes come back as u then w (up to sampling error), variances near 9 and 1.
        Generator gen(11);
        const int64_t N = 4000;
        const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
        Tensor x = Tensor::empty({N, 4});
        for (int64_t i = 0; i < N; ++i) {
            const double a = 3 * gen.normal(), b = gen.normal();
            x.at({i, 0}) = float(a * c - b * s);
            x.at({i, 1}) = float(a * s + b * c);
            x.at({i, 2}) = 0.1f * gen.normal();
            x.at({i, 3}) = 0.1f * gen.normal();
        }
        Pca pca = fit_pca(x, 2);
        CHECK(std::fabs(pca.components.at({0, 0}) * c + pca.components.at({0, 1}) * s) == doctest::Approx(1.0).epsilon(1e-3));
        CHECK(std::fabs(-pca.components.at({1, 0}) * s + pca.components.at({1, 1}) * c) == doctest::Approx(1.0).epsilon(1e-2));
        CHECK(pca.explained_variance[0] == doctest::Approx(9.0).epsilon(0.06));
        CHECK(pca.explained_variance[1] == doctest::Approx(1.0).epsilon(0.06));
        CHECK(pca.explained_variance[0] > pca.explained_variance[1]);
        CHECK(pca.transform(x).shape() == Shape{N, 2});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(fit_pca(Tensor::zeros({5, 2}), 3), doctest::Contains("3 components asked of 2-dimensional data"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(fit_pca(Tensor::zeros({1, 2})), doctest::Contains("must be (N,D) with N >= 2"), ShapeError);
        Pca pca = fit_pca(Tensor::from_vector({0, 0, 1, 2}, {2, 2}));
        CHECK_THROWS_WITH_AS(pca.transform(Tensor::zeros({3, 5})), doctest::Contains("x [3, 5] must be (N,2)"), ShapeError);
    }
}
