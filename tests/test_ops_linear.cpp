// Tests of the linear algebra of core/ops.h (core/ops_linear.cpp): matmul with all four transpose
// flag combinations and its batched forms against a double-precision loop, linear, and
// pairwise_sq_dist (one GEMM, clamped at 0) against the direct sum of squared differences.
#include <doctest/doctest.h>

#include <cmath>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "tests/test_helpers.h"
#include "core/random.h"

using namespace ct;
using ct::test::check_grad;
using ct::test::check_values;

namespace {
// C = op(A) op(B) in double, A and B as stored (row-major), op = transpose when the flag is set.
std::vector<double> reference_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const int64_t M = ta ? a.size(1) : a.size(0), K = ta ? a.size(0) : a.size(1);
    const int64_t N = tb ? b.size(0) : b.size(1);
    std::vector<double> c(size_t(M * N), 0.0);
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < K; ++k) {
                const double av = ta ? a.data()[k * a.size(1) + i] : a.data()[i * a.size(1) + k];
                const double bv = tb ? b.data()[j * b.size(1) + k] : b.data()[k * b.size(1) + j];
                acc += av * bv;
            }
            c[size_t(i * N + j)] = acc;
        }
    return c;
}
double max_diff(const Tensor& t, const std::vector<double>& ref) {
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(double(t.data()[i]) - ref[i]));
    return worst;
}
}  // namespace

TEST_CASE("matmul: 2-d products and the transpose flags") {
    SUBCASE("forward by hand") {
        // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]] = [[19,22],[43,50]]
        Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2}), b = Tensor::from_vector({5, 6, 7, 8}, {2, 2});
        CHECK(matmul(a, b).to_vector() == std::vector<float>{19, 22, 43, 50});
        // a^T @ b = [[1,3],[2,4]] @ b = [[5+21, 6+24], [10+28, 12+32]] = [[26,30],[38,44]]
        CHECK(matmul(a, b, true, false).to_vector() == std::vector<float>{26, 30, 38, 44});
        // a @ b^T = [[1*5+2*6, 1*7+2*8], [3*5+4*6, 3*7+4*8]] = [[17,23],[39,53]]
        CHECK(matmul(a, b, false, true).to_vector() == std::vector<float>{17, 23, 39, 53});
    }
    SUBCASE("all four flag combinations against a double loop, non-square shapes") {
        Generator g(40);
        // op(A):(5,7), op(B):(7,3); stored transposed where the flag is set
        for (bool ta : {false, true})
            for (bool tb : {false, true}) {
                INFO("transpose_a " << ta << " transpose_b " << tb);
                Tensor a = Tensor::randn(ta ? Shape{7, 5} : Shape{5, 7}, g);
                Tensor b = Tensor::randn(tb ? Shape{3, 7} : Shape{7, 3}, g);
                Tensor c = matmul(a, b, ta, tb);
                CHECK(c.shape() == Shape{5, 3});
                CHECK(max_diff(c, reference_matmul(a, b, ta, tb)) < 1e-5);
                check_grad([ta, tb](const std::vector<Tensor>& in) { return matmul(in[0], in[1], ta, tb); }, {a, b});
            }
    }
    SUBCASE("size-1 dims: a row times a column, a column times a row") {
        Generator g(41);
        Tensor row = Tensor::randn({1, 4}, g), col = Tensor::randn({4, 1}, g);
        CHECK(matmul(row, col).shape() == Shape{1, 1});
        CHECK(max_diff(matmul(row, col), reference_matmul(row, col, false, false)) < 1e-5);
        CHECK(matmul(col, row).shape() == Shape{4, 4});
        check_grad([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {col, row});
    }
    SUBCASE("errors name both shapes and the inner sizes") {
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({32, 64}), Tensor::ones({128, 10})),
                             doctest::Contains("matmul: [32, 64] @ [128, 10]: inner sizes differ (64 vs 128)"), ShapeError);
        // with a flag, the message marks the transposed operand: (2,3) @ (3,2)^T = (2,3) @ (2,3)
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3}), Tensor::ones({3, 2}), false, true),
                             doctest::Contains("matmul: [2, 3] @ [3, 2]^T: inner sizes differ (3 vs 2)"), ShapeError);
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3}), Tensor::ones({3, 2}), true, false),
                             doctest::Contains("matmul: [2, 3]^T @ [3, 2]: inner sizes differ (2 vs 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({3}), Tensor::ones({3, 2})),
                             doctest::Contains("matmul: supports (M,K)@(K,N), (B,M,K)@(B,K,N) and (B,M,K)@(K,N), got [3] @ [3, 2]"),
                             ShapeError);
    }
}

TEST_CASE("matmul: batched 3-d forms") {
    Generator g(42);
    SUBCASE("(B,M,K) @ (B,K,N): one product per matrix") {
        Tensor a = Tensor::randn({3, 2, 4}, g), b = Tensor::randn({3, 4, 5}, g);
        Tensor c = matmul(a, b);
        CHECK(c.shape() == Shape{3, 2, 5});
        for (int64_t i = 0; i < 3; ++i) {
            Tensor ai = reshape(narrow(a, 0, i, 1), {2, 4}), bi = reshape(narrow(b, 0, i, 1), {4, 5});
            CHECK(max_diff(reshape(narrow(c, 0, i, 1), {2, 5}), reference_matmul(ai, bi, false, false)) < 1e-5);
        }
        check_grad([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
    }
    SUBCASE("(B,M,K) @ (K,N): the batch folds into the rows") {
        Tensor a = Tensor::randn({2, 3, 4}, g), b = Tensor::randn({4, 2}, g);
        Tensor c = matmul(a, b);
        CHECK(c.shape() == Shape{2, 3, 2});
        CHECK(max_diff(c, reference_matmul(reshape(a, {6, 4}), b, false, false)) < 1e-5);
        check_grad([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3, 4}), Tensor::ones({3, 4, 5})),
                             doctest::Contains("matmul: [2, 3, 4] @ [3, 4, 5]: batch or inner sizes differ"), ShapeError);
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3, 4}), Tensor::ones({5, 2})),
                             doctest::Contains("matmul: [2, 3, 4] @ [5, 2]: inner sizes differ (4 vs 5)"), ShapeError);
        CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3, 4}), Tensor::ones({2, 4, 5}), true, false),
                             doctest::Contains("matmul: transpose flags apply to 2-d operands"), ShapeError);
    }
}

TEST_CASE("linear: x w^T + b") {
    SUBCASE("forward by hand") {
        // x = [[1, 2]], w = [[1, 0], [0, 1], [1, 1]], b = [10, 20, 30]:  y = [1+10, 2+20, 3+30]
        Tensor x = Tensor::from_vector({1, 2}, {1, 2});
        Tensor w = Tensor::from_vector({1, 0, 0, 1, 1, 1}, {3, 2});
        CHECK(linear(x, w, Tensor::from_vector({10, 20, 30})).to_vector() == std::vector<float>{11, 22, 33});
        CHECK(linear(x, w).to_vector() == std::vector<float>{1, 2, 3});   // no bias
    }
    SUBCASE("gradients, with and without bias, batch of one included") {
        Generator g(43);
        Tensor x = Tensor::randn({4, 3}, g), w = Tensor::randn({2, 3}, g), b = Tensor::randn({2}, g);
        check_grad([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
        check_grad([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {x, w});
        check_grad([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                   {Tensor::randn({1, 3}, g), w, b});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(linear(Tensor::ones({64, 784}), Tensor::ones({10, 512})),
                             doctest::Contains("linear: x [64, 784] and w [10, 512] must be (N,IN) and (OUT,IN)"), ShapeError);
        CHECK_THROWS_WITH_AS(linear(Tensor::ones({2, 3}), Tensor::ones({4, 3}), Tensor::ones({3})),
                             doctest::Contains("linear: bias [3] must be (4) for w [4, 3]"), ShapeError);
    }
}

TEST_CASE("pairwise_sq_dist: |a_i - b_j|^2 through one GEMM") {
    SUBCASE("forward by hand") {
        // a = [(0,0), (1,1)], b = [(1,0), (3,4), (1,1)]
        // row 0: 1, 9+16 = 25, 2;  row 1: 0+1 = 1, 4+9 = 13, 0
        Tensor a = Tensor::from_vector({0, 0, 1, 1}, {2, 2}), b = Tensor::from_vector({1, 0, 3, 4, 1, 1}, {3, 2});
        Tensor d = pairwise_sq_dist(a, b);
        CHECK(d.shape() == Shape{2, 3});
        const std::vector<double> expected{1, 25, 2, 1, 13, 0};
        for (size_t i = 0; i < 6; ++i) CHECK(d.data()[i] == doctest::Approx(expected[i]));
    }
    SUBCASE("never negative: identical points give exactly 0 after the clamp, not -1e-6") {
        Generator g(44);
        Tensor a = Tensor::randn({16, 32}, g) * 10.f;
        Tensor d = pairwise_sq_dist(a, a);
        float min_value = 0;
        for (float v : d.to_vector()) min_value = std::min(min_value, v);
        CHECK(min_value == 0.f);
    }
    SUBCASE("against the direct double sum, and gradients (distinct points, away from the clamp)") {
        Generator g(45);
        Tensor a = Tensor::randn({4, 3}, g), b = Tensor::randn({5, 3}, g);
        Tensor d = pairwise_sq_dist(a, b);
        double worst = 0;
        for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 5; ++j) {
                double acc = 0;
                for (int64_t k = 0; k < 3; ++k) {
                    const double diff = double(a.at({i, k})) - double(b.at({j, k}));
                    acc += diff * diff;
                }
                worst = std::max(worst, std::fabs(acc - double(d.at({i, j}))));
            }
        CHECK(worst < 1e-5);
        check_grad([](const std::vector<Tensor>& in) { return pairwise_sq_dist(in[0], in[1]); }, {a, b});
    }
    CHECK_THROWS_WITH_AS(pairwise_sq_dist(Tensor::ones({2, 3}), Tensor::ones({2, 4})),
                         doctest::Contains("pairwise_sq_dist: a [2, 3] and b [2, 4] must be (N,D) and (M,D)"), ShapeError);
}
