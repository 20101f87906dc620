// apps/lib/neighbors: blocked exact k-nearest-neighbour search, cosine and Euclidean.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "apps/lib/neighbors.h"
#include "core/random.h"

using namespace ct;

TEST_CASE("apps neighbors: order and scores on a hand-worked example") {
    // references r0 (1,0), r1 (0,1), r2 (-1,0), r3 (2,0.1); query q = (0.9, 0.1), |q| = 0.905539
    Tensor refs = Tensor::from_vector({1, 0, 0, 1, -1, 0, 2, 0.1f}, {4, 2});
    Tensor q = Tensor::from_vector({0.9f, 0.1f}, {1, 2});
    SUBCASE("euclidean: |q-r0| = sqrt(.01+.01) = .141421, |q-r3| = sqrt(1.21) = 1.1, |q-r1| = sqrt(.81+.81) = 1.272792, "
            "|q-r2| = sqrt(3.61+.01) = 1.902630") {
        Neighbors nb = knn_search(q, refs, 4, {SearchMetric::Euclidean});
        CHECK(nb.index == std::vector<int64_t>{0, 3, 1, 2});
        CHECK(nb.score[0] == doctest::Approx(0.141421).epsilon(1e-4));
        CHECK(nb.score[1] == doctest::Approx(1.1).epsilon(1e-5));
        CHECK(nb.score[2] == doctest::Approx(1.272792).epsilon(1e-5));
        CHECK(nb.score[3] == doctest::Approx(1.902630).epsilon(1e-5));
    }
    SUBCASE("cosine ignores length: cos(q,r3) = 1.81/(.905539*2.002498) = 1.81/1.813340 = .998158 beats cos(q,r0) = .9/.905539 = .993884") {
        Neighbors nb = knn_search(q, refs, 3, {SearchMetric::Cosine});
        CHECK(nb.index == std::vector<int64_t>{3, 0, 1});
        CHECK(nb.score[0] == doctest::Approx(0.998158).epsilon(1e-5));
        CHECK(nb.score[1] == doctest::Approx(0.993884).epsilon(1e-5));
        CHECK(nb.score[2] == doctest::Approx(0.1 / 0.905539).epsilon(1e-5));   // cos(q,r1) = .110432
    }
    SUBCASE("ties go to the lower reference index") {
        Tensor same = Tensor::from_vector({1, 1, 1, 1, 1, 1}, {3, 2});
        CHECK(knn_search(q, same, 3, {SearchMetric::Euclidean}).index == std::vector<int64_t>{0, 1, 2});
    }
    SUBCASE("exclude_self: a point never finds itself") {
        Neighbors nb = knn_search(refs, refs, 1, {SearchMetric::Euclidean, true});
        // r0 (1,0): r3 at sqrt(1.01) = 1.005 beats r1 at 1.414; r1: r0 at 1.414 (r2 ties, higher index);
        // r2: r1 at 1.414; r3: r0 at 1.005
        CHECK(nb.index == std::vector<int64_t>{3, 0, 1, 0});
    }
}

TEST_CASE("apps neighbors: blocked search equals a brute-force double loop") {
    Generator gen(7);
    Tensor queries = Tensor::randn({37, 5}, gen), refs = Tensor::randn({53, 5}, gen);
    const int64_t k = 6;
    for (SearchMetric dist : {SearchMetric::Cosine, SearchMetric::Euclidean}) {
        // reference: full sort of exact double distances for every query
        std::vector<int64_t> expected;
        for (int64_t i = 0; i < 37; ++i) {
            std::vector<double> key(53);
            for (int64_t j = 0; j < 53; ++j) {
                double dot = 0, qq = 0, rr = 0, sq = 0;
                for (int64_t c = 0; c < 5; ++c) {
                    const double a = queries.at({i, c}), b = refs.at({j, c});
                    dot += a * b, qq += a * a, rr += b * b, sq += (a - b) * (a - b);
                }
                key[size_t(j)] = dist == SearchMetric::Cosine ? -dot / std::sqrt(qq * rr) : sq;
            }
            std::vector<int64_t> order(53);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key[a] < key[b]; });
            expected.insert(expected.end(), order.begin(), order.begin() + k);
        }
        for (int64_t block : {1, 4, 37, 1000}) {
            CAPTURE(block);
            CHECK(knn_search(queries, refs, k, {dist, false, block}).index == expected);
        }
    }
}

TEST_CASE("apps neighbors: errors") {
    Tensor a = Tensor::zeros({4, 3}), b = Tensor::zeros({5, 2});
    CHECK_THROWS_WITH_AS(knn_search(a, b, 1), doctest::Contains("queries [4, 3] and references [5, 2] must be (Q,D) and (N,D)"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(knn_search(a, a, 4, {SearchMetric::Cosine, true}),
                         doctest::Contains("k = 4 but only 4 references (one excluded: self)"), ShapeError);
    CHECK_THROWS_WITH_AS(parse_distance("manhattan"), doctest::Contains("unknown 'manhattan': choose cosine or euclidean"),
                         ValueError);
    CHECK(parse_distance("euclidean") == SearchMetric::Euclidean);
}
