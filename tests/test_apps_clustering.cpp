// apps/lib/clustering: k-means and normalized mutual information.
#include <doctest/doctest.h>

#include "apps/lib/clustering.h"

using namespace ct;

TEST_CASE("apps clustering: normalized mutual information by hand") {
    SUBCASE("identical and permuted labelings score 1") {
        CHECK(normalized_mutual_info({0, 0, 1, 1}, {0, 0, 1, 1}) == doctest::Approx(1.0));
        CHECK(normalized_mutual_info({0, 0, 1, 1}, {7, 7, 3, 3}) == doctest::Approx(1.0));
    }
    SUBCASE("independent labelings score 0") {
        CHECK(normalized_mutual_info({0, 0, 1, 1}, {0, 1, 0, 1}) == doctest::Approx(0.0));
    }
    SUBCASE("a worked example") {
        // U = 000111, V = 001111; n = 6; joint counts (0,0)=2 (0,1)=1 (1,1)=3; p(u) = 1/2 1/2, p(v) = 1/3 2/3
        // I = 1/3 ln(2) + 1/6 ln(1/2) + 1/2 ln(3/2) = .318257;  H(U) = ln 2 = .693147;
        // H(V) = -(1/3 ln 1/3 + 2/3 ln 2/3) = .636514;  NMI = .318257 / ((.693147 + .636514)/2) = .478704
        CHECK(normalized_mutual_info({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 1, 1}) == doctest::Approx(0.478704).epsilon(1e-5));
    }
    SUBCASE("one cluster for everything") {
        CHECK(normalized_mutual_info({4, 4, 4}, {1, 1, 1}) == 1.0);   // scikit-learn's convention
        CHECK(normalized_mutual_info({0, 1, 2}, {1, 1, 1}) == 0.0);   // I = 0
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(normalized_mutual_info({0, 1}, {0}), doctest::Contains("2 true and 1 predicted labels"),
                             ShapeError);
    }
}

TEST_CASE("apps clustering: k-means") {
    SUBCASE("two pairs: centroids at the pair means, inertia 4 x 1^2") {
        Tensor x = Tensor::from_vector({0, 0, 0, 2, 10, 0, 10, 2}, {4, 2});
        Generator gen(1);
        KMeansResult r = kmeans(x, 2, gen);
        CHECK(r.assignment[0] == r.assignment[1]);
        CHECK(r.assignment[2] == r.assignment[3]);
        CHECK(r.assignment[0] != r.assignment[2]);
        const int64_t a = r.assignment[0];
        CHECK(r.centroids.at({a, 0}) == doctest::Approx(0.0));
        CHECK(r.centroids.at({a, 1}) == doctest::Approx(1.0));
        CHECK(r.centroids.at({1 - a, 0}) == doctest::Approx(10.0));
        CHECK(r.inertia == doctest::Approx(4.0));
    }
    SUBCASE("blobs: clusters recover the classes, the same seed gives the same clusters") {
        Generator data(5);
        const int64_t per = 50, k = 4;
        Tensor x = Tensor::randn({k * per, 3}, data);
        std::vector<int64_t> labels;
        for (int64_t c = 0; c < k; ++c)
            for (int64_t i = 0; i < per; ++i) {
                x.at({c * per + i, c % 3}) += 12.f * (c < 3 ? 1.f : -1.f);
                labels.push_back(c);
            }
        Generator g1(9), g2(9);
        KMeansResult r1 = kmeans(x, k, g1), r2 = kmeans(x, k, g2);
        CHECK(r1.assignment == r2.assignment);
        CHECK(normalized_mutual_info(labels, r1.assignment) == doctest::Approx(1.0));
        Generator g3(9);
        CHECK(kmeans_nmi(x, labels, g3) == doctest::Approx(1.0));
    }
    SUBCASE("k = N puts every point alone: inertia 0") {
        Tensor x = Tensor::from_vector({1, 2, 3}, {3, 1});
        Generator gen(0);
        CHECK(kmeans(x, 3, gen).inertia == doctest::Approx(0.0));
    }
    SUBCASE("errors") {
        Generator gen(0);
        CHECK_THROWS_WITH_AS(kmeans(Tensor::zeros({3, 2}), 4, gen), doctest::Contains("k = 4 must be in [1, N = 3]"),
                             ShapeError);
    }
}
