// losses/distance: pairwise matrices and paired rows against double loops, the metric axioms on
// random points, the zero-safe gradient at distance 0, and gradchecks.
#include "losses/distance.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses distance: matrices and paired rows match double-precision loops") {
    for (const auto& [n_, m_, d_] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {5, 3, 4}, {17, 9, 33}}) {
        const int64_t N = n_, M = m_, D = d_;   // plain variables: CAPTURE's lambda cannot capture a binding in C++17
        CAPTURE(N); CAPTURE(M); CAPTURE(D);
        const Tensor a = randn({N, D}, 1), b = randn({M, D}, 2), c = randn({N, D}, 3);
        const Mat A = rows_of(a), B = rows_of(b), C = rows_of(c);
        const Tensor de = euclidean_distance_matrix(a, b), d2 = squared_euclidean_distance_matrix(a, b);
        const Tensor cs = cosine_similarity_matrix(a, b), dp = dot_product_matrix(a, b);
        const Tensor norm_e = Distance::euclidean(true).matrix(a, b);
        REQUIRE(de.shape() == Shape{N, M});
        for (int64_t i = 0; i < N; ++i)
            for (int64_t j = 0; j < M; ++j) {
                const Row &x = A[size_t(i)], &y = B[size_t(j)];
                CHECK(de.at({i, j}) == doctest::Approx(dist(x, y)).epsilon(1e-4));
                CHECK(d2.at({i, j}) == doctest::Approx(sq_dist(x, y)).epsilon(1e-4));
                CHECK(cs.at({i, j}) == doctest::Approx(cosine(x, y)).epsilon(1e-4));
                CHECK(dp.at({i, j}) == doctest::Approx(dot(x, y)).epsilon(1e-4));
                CHECK(norm_e.at({i, j}) == doctest::Approx(dist(unit(x), unit(y))).epsilon(1e-4));
            }
        const Tensor pe = paired_euclidean_distance(a, c), p2 = paired_squared_euclidean_distance(a, c);
        const Tensor pc = paired_cosine_similarity(a, c), pd = paired_dot_product(a, c);
        REQUIRE(pe.shape() == Shape{N});
        for (int64_t i = 0; i < N; ++i) {
            const Row &x = A[size_t(i)], &y = C[size_t(i)];
            CHECK(pe.at({i}) == doctest::Approx(dist(x, y)).epsilon(1e-5));
            CHECK(p2.at({i}) == doctest::Approx(sq_dist(x, y)).epsilon(1e-5));
            CHECK(pc.at({i}) == doctest::Approx(cosine(x, y)).epsilon(1e-5));
            CHECK(pd.at({i}) == doctest::Approx(dot(x, y)).epsilon(1e-5));
        }
    }
}

TEST_CASE("losses distance: a hand-worked example") {
    // a0 = (0,0), a1 = (3,4); b0 = (3,0): |a0-b0| = 3, |a1-b0| = 4; a1.b0 = 9; cos(a1,b0) = 9/15 = 0.6
    const Tensor a = Tensor::from_vector({0, 0, 3, 4}, {2, 2}), b = Tensor::from_vector({3, 0}, {1, 2});
    CHECK(euclidean_distance_matrix(a, b).to_vector() == std::vector<float>{3.f, 4.f});
    CHECK(dot_product_matrix(a, b).to_vector() == std::vector<float>{0.f, 9.f});
    CHECK(cosine_similarity_matrix(a, b).at({1, 0}) == doctest::Approx(0.6));
    CHECK(cosine_similarity_matrix(a, b).at({0, 0}) == 0.f);   // the zero vector: eps, not NaN
}

TEST_CASE("losses distance: metric axioms on random points") {
    for (const Distance& d : {Distance::euclidean(false), Distance::euclidean(true)}) {
        CAPTURE(d.name());
        const Tensor x = randn({40, 8}, 7);
        const Tensor m = d.matrix(x);
        const int64_t N = 40;
        int violations = 0;
        for (int64_t i = 0; i < N; ++i) {
            CHECK(m.at({i, i}) == 0.f);   // identity: exactly, the self matrix zeroes its diagonal
            for (int64_t j = 0; j < N; ++j) {
                CHECK(m.at({i, j}) >= 0.f);                                         // non-negativity
                CHECK(m.at({i, j}) == doctest::Approx(m.at({j, i})).epsilon(1e-6));   // symmetry
                if (i != j) CHECK(m.at({i, j}) > 0.f);   // distinct random points are apart
                for (int64_t k = 0; k < N; ++k)   // triangle inequality, float slack 1e-5
                    violations += m.at({i, k}) > m.at({i, j}) + m.at({j, k}) + 1e-5f;
            }
        }
        CHECK(violations == 0);
        // A separate copy of the same points: the GEMM form |x|^2 + |y|^2 - 2 x.y alone would leave
        // ~1e-7 |x|^2 there (a distance ~1e-3); the near-zero entries are exact differences instead.
        const Tensor other = d.matrix(x, x.clone());
        for (int64_t i = 0; i < N; ++i) CHECK(other.at({i, i}) == 0.f);
    }
}

TEST_CASE("losses distance: the Euclidean gradient is finite (0) at distance 0") {
    // Two identical rows: d = 0, where sqrt's slope is infinite; the zero-safe forms give 0.
    const Tensor x = Tensor::from_vector({1, 2, 1, 2}, {2, 2}).requires_grad_(true);
    sum(euclidean_distance_matrix(x, x.detach())).backward();
    CHECK(all_finite(x.grad()));
    const Tensor a = Tensor::from_vector({1, 2}, {1, 2}).requires_grad_(true);
    const Tensor b = Tensor::from_vector({1, 2}, {1, 2}).requires_grad_(true);
    sum(paired_euclidean_distance(a, b)).backward();
    CHECK(a.grad().to_vector() == std::vector<float>{0.f, 0.f});
    const Tensor s = Tensor::from_vector({0.f, 4.f}).requires_grad_(true);
    sum(sqrt_zero_safe(s)).backward();   // d/ds sqrt(s) = 1/(2 sqrt 4) = 0.25 at 4, 0 at 0
    CHECK(s.grad().to_vector() == std::vector<float>{0.f, 0.25f});
}

TEST_CASE("losses distance: identical rows are exactly 0 apart, with the zero-distance gradient") {
    // 64 rows of 128 with |x|^2 ~ 128; rows 5 and 40 are equal, and row 7 is row 3 moved by 1e-3
    // in one coordinate (a true distance of 1e-3, below the GEMM form's rounding of ~1e-5 * 256).
    Tensor x = randn({64, 128}, 21);
    for (int64_t k = 0; k < 128; ++k) {
        x.data()[40 * 128 + k] = x.data()[5 * 128 + k];
        x.data()[7 * 128 + k] = x.data()[3 * 128 + k];
    }
    x.data()[7 * 128 + 9] += 1e-3f;
    const int64_t N = 64, D = 128;
    auto exact = [&](int64_t i, int64_t j) {   // the distance in double, from the float rows
        double acc = 0;
        for (int64_t k = 0; k < D; ++k) {
            const double diff = double(x.data()[i * D + k]) - double(x.data()[j * D + k]);
            acc += diff * diff;
        }
        return std::sqrt(acc);
    };
    const double near = exact(3, 7);   // 1e-3 up to the float spacing of row 3's coordinate 9
    SUBCASE("values: 0 on the diagonal and for the duplicates, the near pair to 1e-4 relative") {
        for (const Tensor& m : {euclidean_distance_matrix(x, x), euclidean_distance_matrix(x, x.clone())}) {
            for (int64_t i = 0; i < N; ++i) CHECK(m.at({i, i}) == 0.f);
            CHECK(m.at({5, 40}) == 0.f);
            CHECK(m.at({40, 5}) == 0.f);
            CHECK(m.at({3, 7}) == doctest::Approx(near).epsilon(1e-4));
            CHECK(m.at({0, 1}) == doctest::Approx(exact(0, 1)).epsilon(1e-5));   // the GEMM form, far apart
        }
        const Tensor sq = squared_euclidean_distance_matrix(x, x);
        CHECK(sq.at({40, 5}) == 0.f);
        CHECK(sq.at({17, 17}) == 0.f);
        CHECK(sq.at({7, 3}) == doctest::Approx(near * near).epsilon(1e-4));
        // After normalisation the two copies are still identical rows: 0, not ~3e-4.
        const Tensor n = Distance::euclidean().matrix(x);
        CHECK(n.at({5, 40}) == 0.f);
        CHECK(n.at({12, 12}) == 0.f);
    }
    SUBCASE("gradients: (a_i - b_j) / d where d > 0, exactly 0 where d = 0 (no NaN, no 1/(2d))") {
        // L = sum_ij W_ij d_ij with a fixed random W; dL/dx_i = sum_j (W_ij + W_ji) (x_i - x_j) / d_ij
        // over the pairs with d_ij > 0: the duplicates and the diagonal contribute nothing.
        const Tensor w = randn({N, N}, 22);
        const Tensor xg = x.clone().requires_grad_(true);
        sum(euclidean_distance_matrix(xg, xg) * w).backward();
        REQUIRE(all_finite(xg.grad()));
        double worst = 0;
        for (int64_t i = 0; i < N; ++i)
            for (int64_t k = 0; k < D; ++k) {
                double g = 0;
                for (int64_t j = 0; j < N; ++j) {
                    const double d = exact(i, j);
                    if (d == 0) continue;
                    const double wij = double(w.data()[i * N + j]) + double(w.data()[j * N + i]);
                    g += wij * (double(x.data()[i * D + k]) - double(x.data()[j * D + k])) / d;
                }
                worst = std::max(worst, std::fabs(g - double(xg.grad().data()[i * D + k])));
            }
        CHECK(worst < 1e-3);   // terms up to |W| ~ 3 summed over 64 rows; the near pair's slope is a unit vector
        // Two rows that are the same point: each one's gradient is that of the other rows alone,
        // the term of its twin is exactly 0; a lone pair of duplicates has gradient exactly 0.
        const Tensor twin = Tensor::from_vector({0.6f, 1.8f, 0.f, 0.6f, 1.8f, 0.f}, {2, 3}).requires_grad_(true);
        sum(euclidean_distance_matrix(twin, twin)).backward();   // |x|^2 = 3.6, the example
        CHECK(twin.grad().to_vector() == std::vector<float>(6, 0.f));
    }
    SUBCASE("finite differences where the distance is differentiable (squared: everywhere, the near pair and 0 included)") {
        const Tensor small = index_select(x, 0, {3, 7, 0, 1});   // d(3,7) ~ 1e-3, others ~16
        check_gradients([](const std::vector<Tensor>& t) { return euclidean_distance_matrix(t[0], t[1]); },
                        {slice(small, 0, 2, 4), randn({3, 128}, 23)});
        // Squared distances are quadratic, so central differences are exact for any step: a large
        // one keeps the float noise of entries ~256 (divided by 2 * step) below the tolerance.
        GradcheckOptions wide;
        wide.eps = 0.25;
        check_gradients([](const std::vector<Tensor>& t) { return squared_euclidean_distance_matrix(t[0], t[1]); },
                        {small, small.clone()}, wide);
    }
}

TEST_CASE("losses distance: gradcheck of every distance") {
    // Random points are far apart (no pair near distance 0, where the Euclidean kink is).
    const Tensor a = randn({5, 4}, 11), b = randn({3, 4}, 12), c = randn({5, 4}, 13);
    check_gradients([](const std::vector<Tensor>& t) { return euclidean_distance_matrix(t[0], t[1]); }, {a, b});
    check_gradients([](const std::vector<Tensor>& t) { return squared_euclidean_distance_matrix(t[0], t[1]); }, {a, b});
    check_gradients([](const std::vector<Tensor>& t) { return cosine_similarity_matrix(t[0], t[1]); }, {a, b});
    check_gradients([](const std::vector<Tensor>& t) { return dot_product_matrix(t[0], t[1]); }, {a, b});
    check_gradients([](const std::vector<Tensor>& t) { return paired_euclidean_distance(t[0], t[1]); }, {a, c});
    check_gradients([](const std::vector<Tensor>& t) { return paired_squared_euclidean_distance(t[0], t[1]); }, {a, c});
    check_gradients([](const std::vector<Tensor>& t) { return paired_cosine_similarity(t[0], t[1]); }, {a, c});
    check_gradients([](const std::vector<Tensor>& t) { return paired_dot_product(t[0], t[1]); }, {a, c});
    for (const Distance& d : {Distance::euclidean(), Distance::squared_euclidean(false), Distance::cosine(),
                              Distance::dot()}) {
        CAPTURE(d.name());
        // the self matrix: the diagonal is a constant 0 for distances, its gradient 0
        check_gradients([d](const std::vector<Tensor>& t) { return d.matrix(t[0]); }, {a});
        check_gradients([d](const std::vector<Tensor>& t) { return d.paired(t[0], t[1]); }, {a, c});
    }
}

TEST_CASE("losses distance: errors name the op and the shapes") {
    const Tensor a = randn({4, 3}, 1), b = randn({4, 5}, 2);
    CHECK_THROWS_WITH_AS(euclidean_distance_matrix(a, b),
                         doctest::Contains("euclidean_distance_matrix: a [4, 3] and b [4, 5]"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(paired_cosine_similarity(a, randn({3, 3}, 3)),
                         doctest::Contains("paired_cosine_similarity: a [4, 3] and b [3, 3] must both be (N,D)"),
                         ct::ShapeError);
    CHECK_THROWS_WITH_AS(Distance::cosine().matrix(randn({4}, 1), a), doctest::Contains("Distance::matrix"),
                         ct::ShapeError);
}
