// apps/lib/collapse: effective rank, the per-dimension std of normalised rows, and the CLI's
// collapse test, on matrices whose singular values are known by construction.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/lib/collapse.h"
#include "core/check.h"

using namespace ct;

namespace {
// Rows +-a e_1 and +-b e_2 (mean 0): the columns are orthogonal with lengths a sqrt 2 and b sqrt 2,
// so those are the singular values. `offset` is added to every row (centring removes it).
Tensor cross(float a, float b, float offset_x = 0, float offset_y = 0) {
    return Tensor::from_vector({a + offset_x, offset_y, -a + offset_x, offset_y, offset_x, b + offset_y, offset_x, -b + offset_y},
                               {4, 2});
}
}  // namespace

TEST_CASE("collapse: effective rank of known singular values") {
    // p = (1/4, 3/4): exp(-(1/4 ln 1/4 + 3/4 ln 3/4)) = exp(0.346574 + 0.215762) = 1.754765
    CHECK(effective_rank(std::vector<double>{1, 3}) == doctest::Approx(1.7547653506033232));
    // p = (1/6, 2/6, 3/6): exp(0.298627 + 0.366204 + 0.346574) = 2.749459
    CHECK(effective_rank(std::vector<double>{1, 2, 3}) == doctest::Approx(2.7494592739972052));
    CHECK(effective_rank(std::vector<double>{5, 0, 0}) == doctest::Approx(1.0));        // one direction
    CHECK(effective_rank(std::vector<double>{2, 2, 2, 2}) == doctest::Approx(4.0));     // K equal values
    CHECK(effective_rank(std::vector<double>{0, 0}) == 0.0);                             // a zero matrix
    CHECK_THROWS_WITH_AS(effective_rank(std::vector<double>{1, -1}),
                         doctest::Contains("effective_rank: singular values must be >= 0, got -1"), ShapeError);
}

TEST_CASE("collapse: singular values and effective rank of centred rows") {
    SUBCASE("the cross: singular values a sqrt 2 and b sqrt 2, whatever the offset") {
        for (float offset : {0.f, 100.f}) {
            const std::vector<double> s = centred_singular_values(cross(1, 3, offset, -offset / 2));
            REQUIRE(s.size() == 2);
            CHECK(s[0] == doctest::Approx(3 * std::sqrt(2.0)).epsilon(1e-4));   // largest first
            CHECK(s[1] == doctest::Approx(std::sqrt(2.0)).epsilon(1e-4));
            CHECK(effective_rank(cross(1, 3, offset, -offset / 2)) == doctest::Approx(1.7547653506033232).epsilon(1e-4));
        }
    }
    SUBCASE("rank one: rows t_i (1, 2, 2) plus an offset -> 1") {
        std::vector<float> v;
        for (float t : {-2.f, 0.5f, 1.f, 3.f}) v.insert(v.end(), {t + 7, 2 * t - 1, 2 * t + 4});
        CHECK(effective_rank(Tensor::from_vector(v, {4, 3})) == doctest::Approx(1.0).epsilon(1e-4));
    }
    SUBCASE("orthonormal: rows +-e_k of R^5 -> 5") {
        Tensor x = Tensor::zeros({10, 5});
        for (int64_t k = 0; k < 5; ++k) x.data()[(2 * k) * 5 + k] = 1, x.data()[(2 * k + 1) * 5 + k] = -1;
        CHECK(effective_rank(x) == doctest::Approx(5.0).epsilon(1e-5));
    }
    SUBCASE("every row the same: rank 0") {
        CHECK(effective_rank(Tensor::from_vector({3, 4, 3, 4, 3, 4}, {3, 2})) == 0.0);
    }
    CHECK_THROWS_WITH_AS(effective_rank(Tensor::zeros({1, 3})), doctest::Contains("effective_rank: x [1, 3] must be (N,D) with N >= 2"),
                         ShapeError);
}

TEST_CASE("collapse: per-dimension std of the L2-normalised rows") {
    // (3,4) and (4,3) -> (0.6, 0.8) and (0.8, 0.6): each column's std over the rows is 0.1.
    CHECK(normalized_std(Tensor::from_vector({3, 4, 4, 3}, {2, 2})) == doctest::Approx(0.1));
    // The cross without offset: unit rows +-e_1, +-e_2; column 1 holds 1, -1, 0, 0: mean 0, std sqrt(1/2).
    CHECK(normalized_std(cross(1, 3)) == doctest::Approx(std::sqrt(0.5)));
    // one direction at different lengths (and a zero row, which stays 0): (1,0),(2,0),(0,0)
    // -> column 1 holds 1, 1, 0: std sqrt(2/3 - 4/9) = sqrt(2)/3; column 2: 0.  Mean sqrt(2)/6.
    CHECK(normalized_std(Tensor::from_vector({1, 0, 2, 0, 0, 0}, {3, 2})) == doctest::Approx(std::sqrt(2.0) / 6));
    CHECK(normalized_std(Tensor::from_vector({3, 4, 6, 8, 1.5f, 2}, {3, 2})) == doctest::Approx(0.0));   // one direction
}

TEST_CASE("collapse: the CLI's check ignores an offset shared by every row, not a real collapse") {
    SUBCASE("a large common offset with real spread: not collapsed") {
        // |offset| = 1000 and the rows vary by 1 and 3 around it: relative to the rows' length the
        // spread is 0.002 (the old uncentred test warned below 0.01), but centred it is the cross.
        const CollapseCheck c = check_collapse(cross(1, 3, 600, 800));
        // sum |x_i - mean|^2 = 2 + 18 = 20; sum |x_i|^2 = 4 * 1000^2 + 20 (the cross terms cancel)
        CHECK(c.spread == doctest::Approx(std::sqrt(20.0 / 4000020.0)).epsilon(1e-3));
        CHECK(c.effective_rank == doctest::Approx(1.7547653506033232).epsilon(1e-3));
        CHECK_FALSE(c.collapsed());
    }
    SUBCASE("every row the same point (with float rounding): collapsed to one point") {
        std::vector<float> v;
        for (int i = 0; i < 8; ++i) v.insert(v.end(), {5.f + 1e-6f * float(i % 3), -2.f, 7.f + 1e-6f * float(i % 2)});
        const CollapseCheck c = check_collapse(Tensor::from_vector(v, {8, 3}));
        CHECK(c.spread < 1e-4);
        CHECK(c.collapsed());
        CHECK(c.describe().find("one point") != std::string::npos);
    }
    SUBCASE("rows spread along one line only: collapsed to one direction") {
        std::vector<float> v;
        for (float t : {-2.f, -1.f, 0.f, 1.f, 2.f}) v.insert(v.end(), {t, 2 * t, 1});
        const CollapseCheck c = check_collapse(Tensor::from_vector(v, {5, 3}));
        CHECK(c.effective_rank == doctest::Approx(1.0).epsilon(1e-4));
        CHECK(c.collapsed());
        CHECK(c.describe().find("one direction") != std::string::npos);
    }
    SUBCASE("a margin loss's threshold: 1% wide is collapsed for it, not for the default") {
        // rows +-5 e_1, +-5 e_2 around an offset of length 1000: spread sqrt(4 * 25 / (4 * 1000^2 + 100)) = 0.005
        CHECK_FALSE(check_collapse(cross(5, 5, 600, 800)).collapsed());
        const CollapseCheck c = check_collapse(cross(5, 5, 600, 800), 0.01);
        CHECK(c.spread == doctest::Approx(std::sqrt(100.0 / 4000100.0)).epsilon(1e-3));
        CHECK(c.collapsed());
    }
    SUBCASE("all-zero rows: collapsed") { CHECK(check_collapse(Tensor::zeros({4, 3})).collapsed()); }
    CHECK_THROWS_WITH_AS(check_collapse(Tensor::zeros({4})), doctest::Contains("check_collapse: x [4] must be (N,D)"),
                         ShapeError);
}
