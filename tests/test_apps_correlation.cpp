// Pearson and Spearman (apps/lib/correlation.h) against values worked by hand, ties included.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/lib/correlation.h"
#include "core/check.h"

using namespace ct;
using V = std::vector<double>;

TEST_CASE("average_ranks: 1-based, ties share the mean of their ranks") {
    CHECK(average_ranks({10, 20, 20, 30}) == V{1, 2.5, 2.5, 4});
    CHECK(average_ranks({3, 1, 2}) == V{3, 1, 2});
    CHECK(average_ranks({5, 5, 5}) == V{2, 2, 2});
    CHECK(average_ranks({2, 1, 2, 1, 2}) == V{4, 1.5, 4, 1.5, 4});   // 1s at ranks 1,2; 2s at 3,4,5
}

TEST_CASE("pearson: by hand") {
    // x = 1,2,3,4  y = 2,4,5,9: means 2.5, 5; dx = -1.5 -.5 .5 1.5; dy = -3 -1 0 4
    // sxy = 4.5 + .5 + 0 + 6 = 11; sxx = 5; syy = 9 + 1 + 0 + 16 = 26; r = 11 / sqrt(130) = 0.964764
    CHECK(pearson({1, 2, 3, 4}, {2, 4, 5, 9}) == doctest::Approx(0.964764).epsilon(1e-6));
    CHECK(pearson({1, 2, 3}, {6, 4, 2}) == doctest::Approx(-1.0));
    CHECK(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));   // no spread: undefined
    CHECK_THROWS_WITH_AS(pearson({1}, {2}), doctest::Contains("pearson: needs two lists of the same length >= 2"), ValueError);
    CHECK_THROWS_WITH_AS(spearman({1, 2}, {2, 3, 4}), doctest::Contains("got 2 and 3"), ValueError);
}

TEST_CASE("spearman: monotone gives 1, ties use average ranks") {
    CHECK(spearman({1, 2, 3, 4}, {1, 10, 100, 1000}) == doctest::Approx(1.0));   // Pearson would be 0.7
    CHECK(spearman({1, 2, 3, 4}, {4, 3, 2, 1}) == doctest::Approx(-1.0));
    // x = 1,2,3,4 (ranks 1..4), y = 1,2,2,3 (ranks 1, 2.5, 2.5, 4): dy = -1.5 0 0 1.5, dx = -1.5 -.5 .5 1.5
    // sxy = 2.25 + 0 + 0 + 2.25 = 4.5; sxx = 5; syy = 4.5; rho = 4.5 / sqrt(22.5) = 0.948683
    CHECK(spearman({1, 2, 3, 4}, {1, 2, 2, 3}) == doctest::Approx(0.948683).epsilon(1e-6));
    // x = 3,1,4,1,5 -> ranks 3, 1.5, 4, 1.5, 5; y = 9,2,6,5,3 -> ranks 5,1,4,3,2; both mean 3
    // dx = 0 -1.5 1 -1.5 2; dy = 2 -2 1 0 -1; sxy = 0+3+1+0-2 = 2; sxx = 0+2.25+1+2.25+4 = 9.5; syy = 10
    // rho = 2 / sqrt(95) = 0.205196
    CHECK(spearman({3, 1, 4, 1, 5}, {9, 2, 6, 5, 3}) == doctest::Approx(0.205196).epsilon(1e-5));
}
