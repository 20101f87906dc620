// Tests of pooling (core/ops_pool.cpp): max_pool2d (with padding, argmax routing), avg_pool2d,
// adaptive_avg_pool2d, global_avg_pool2d and the fused relu_max_pool2x2. Hand values, gradient
// checks on inputs without ties (a tie in a max window is a kink), error texts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "tests/test_helpers.h"
#include "core/random.h"

using namespace ct;
using ct::test::check_grad;
using ct::test::check_values;

namespace {
using V = std::vector<float>;
// 1x1x4x4 = [[0..3], [4..7], [8..11], [12..15]]
Tensor grid4() { return reshape(Tensor::arange(16), {1, 1, 4, 4}); }
// distinct values 0.05 apart, shuffled: no ties in any window
Tensor distinct(const Shape& s, Generator& g) {
    std::vector<float> v(size_t(numel_of(s)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.05f * float(i) - 1.f;
    for (size_t i = v.size(); i-- > 1;) std::swap(v[i], v[size_t(g.randint(int64_t(i) + 1))]);
    return Tensor::from_vector(v, s);
}
}  // namespace

TEST_CASE("max_pool2d: the largest value of each window") {
    SUBCASE("forward by hand: 2x2 windows of a 4x4 grid") {
        // windows {0,1,4,5} {2,3,6,7} {8,9,12,13} {10,11,14,15} -> 5, 7, 13, 15
        Tensor y = max_pool2d(grid4(), 2);
        CHECK(y.shape() == Shape{1, 1, 2, 2});
        CHECK(y.to_vector() == V{5, 7, 13, 15});
    }
    SUBCASE("stride 1 overlaps the windows; padding is ignored, not a zero") {
        CHECK(max_pool2d(grid4(), 3, 1).to_vector() == V{10, 11, 14, 15});
        // padding 1, kernel 2, stride 2 on -grid: windows {pad, -0}, {-1,-2}, ... ; the pad never wins
        Tensor neg = -grid4();
        Tensor y = max_pool2d(neg, 2, 2, 1);
        CHECK(y.shape() == Shape{1, 1, 3, 3});
        // row 0 windows: {-0}, {-1,-2}, {-3};  row 1: {-4,-8}, {-5,-6,-9,-10}, {-7,-11}; row 2: {-12}, {-13,-14}, {-15}
        CHECK(y.to_vector() == V{0, -1, -3, -4, -5, -7, -12, -13, -15});
    }
    SUBCASE("backward: the gradient goes to the window's maximum (the first at a tie)") {
        Tensor x = grid4().clone().requires_grad_();
        sum(max_pool2d(x, 2)).backward();
        CHECK(x.grad().to_vector() == V{0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1});
        Tensor t = Tensor::ones({1, 1, 2, 2}).requires_grad_();   // all equal: the first wins
        sum(max_pool2d(t, 2)).backward();
        CHECK(t.grad().to_vector() == V{1, 0, 0, 0});
    }
    SUBCASE("gradient checks on distinct values (batch and channels, stride, padding)") {
        Generator g(80);
        Tensor x = distinct({2, 2, 5, 6}, g);
        check_grad([](const std::vector<Tensor>& in) { return max_pool2d(in[0], 2); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return max_pool2d(in[0], 3, 2, 1); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return max_pool2d(in[0], 2, 1); }, {distinct({1, 1, 3, 3}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(max_pool2d(Tensor::ones({4, 4}), 2), doctest::Contains("max_pool2d: x must be (N,C,H,W), got [4, 4]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(max_pool2d(grid4(), 2, 2, 2),
                             doctest::Contains("max_pool2d: kernel 2, stride 2, padding 2 invalid (padding at most half the kernel)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(max_pool2d(grid4(), 5), doctest::Contains("max_pool2d: kernel 5 larger than the input [1, 1, 4, 4]"),
                             ShapeError);
    }
}

TEST_CASE("avg_pool2d: the mean of each window") {
    SUBCASE("forward by hand") {
        // {0,1,4,5} -> 2.5, {2,3,6,7} -> 4.5, {8,9,12,13} -> 10.5, {10,11,14,15} -> 12.5
        CHECK(avg_pool2d(grid4(), 2).to_vector() == V{2.5f, 4.5f, 10.5f, 12.5f});
        // kernel 3, stride 1: centre values of each 3x3 window: 5, 6, 9, 10
        CHECK(avg_pool2d(grid4(), 3, 1).to_vector() == V{5, 6, 9, 10});
    }
    SUBCASE("backward spreads dy / k^2 over the window; overlaps add") {
        Tensor x = grid4().clone().requires_grad_();
        sum(avg_pool2d(x, 3, 1)).backward();
        // element (i,j) lies in (#rows of windows covering i) x (#cols covering j) windows, each adds 1/9
        // rows/cols covered: index 0 -> 1, 1 -> 2, 2 -> 2, 3 -> 1
        const float c[4] = {1, 2, 2, 1};
        for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 4; ++j) CHECK(x.grad().at({0, 0, i, j}) == doctest::Approx(c[i] * c[j] / 9.f));
    }
    SUBCASE("gradient checks") {
        Generator g(81);
        check_grad([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 2); }, {Tensor::randn({2, 3, 4, 6}, g)});
        check_grad([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], 3, 2); }, {Tensor::randn({1, 2, 7, 5}, g)});
    }
    CHECK_THROWS_WITH_AS(avg_pool2d(Tensor::ones({1, 1, 2, 2}), 3),
                         doctest::Contains("avg_pool2d: kernel 3 larger than the input [1, 1, 2, 2]"), ShapeError);
    CHECK_THROWS_WITH_AS(avg_pool2d(Tensor::ones({1, 2, 2}), 2), doctest::Contains("avg_pool2d: x must be (N,C,H,W)"),
                         ShapeError);
}

TEST_CASE("adaptive_avg_pool2d and global_avg_pool2d") {
    SUBCASE("forward by hand") {
        // 4x4 -> 2x2: the 2x2 window means of the grid (as avg_pool2d(2)): 2.5, 4.5, 10.5, 12.5
        CHECK(adaptive_avg_pool2d(grid4(), 2).to_vector() == V{2.5f, 4.5f, 10.5f, 12.5f});
        CHECK(adaptive_avg_pool2d(grid4(), 1).to_vector() == V{7.5f});   // (0 + 15) / 2
        // global: one mean per (n, c): channel 0 = 0..15 -> 7.5, channel 1 = 16..31 -> 23.5
        Tensor x = reshape(Tensor::arange(32), {1, 2, 4, 4});
        Tensor y = global_avg_pool2d(x);
        CHECK(y.shape() == Shape{1, 2});
        CHECK(y.to_vector() == V{7.5f, 23.5f});
    }
    SUBCASE("gradient checks") {
        Generator g(82);
        check_grad([](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], 2); }, {Tensor::randn({2, 2, 4, 4}, g)});
        check_grad([](const std::vector<Tensor>& in) { return global_avg_pool2d(in[0]); }, {Tensor::randn({2, 3, 3, 2}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(Tensor::ones({1, 1, 5, 5}), 2),
                             doctest::Contains("adaptive_avg_pool2d: needs square (N,C,H,W) with H divisible by 2, got [1, 1, 5, 5]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(global_avg_pool2d(Tensor::ones({2, 3})),
                             doctest::Contains("global_avg_pool2d: x must be (N,C,H,W), got [2, 3]"), ShapeError);
    }
}

TEST_CASE("max_pool2d: the 2x2 stride-2 fast path matches a plain loop, ties and odd sizes included") {
    // Values from {0, 1, 2}: most windows hold ties, and the first maximum in row-major window
    // order must win (the routing of the gradient shows which one did). 7x9 planes drop a row and
    // a column, as floor division says.
    Generator g(11);
    const int64_t N = 2, C = 3, H = 7, W = 9, HO = 3, WO = 4;
    std::vector<float> v(size_t(N * C * H * W));
    for (float& e : v) e = float(g.randint(3));
    Tensor x = Tensor::from_vector(v, {N, C, H, W}).requires_grad_();
    Tensor y = max_pool2d(x, 2);
    REQUIRE(y.shape() == Shape{N, C, HO, WO});
    std::vector<float> dy(size_t(N * C * HO * WO));
    for (size_t i = 0; i < dy.size(); ++i) dy[i] = float(i + 1);
    sum(y * Tensor::from_vector(dy, y.shape())).backward();
    std::vector<double> want_dx(v.size(), 0.0);
    for (int64_t p = 0; p < N * C; ++p)
        for (int64_t oh = 0; oh < HO; ++oh)
            for (int64_t ow = 0; ow < WO; ++ow) {
                int64_t at = -1;
                for (int64_t i = 0; i < 2; ++i)
                    for (int64_t j = 0; j < 2; ++j) {
                        const int64_t k = p * H * W + (2 * oh + i) * W + 2 * ow + j;
                        if (at < 0 || v[size_t(k)] > v[size_t(at)]) at = k;
                    }
                const int64_t o = (p * HO + oh) * WO + ow;
                CHECK(y.data()[o] == v[size_t(at)]);
                want_dx[size_t(at)] += dy[size_t(o)];
            }
    for (size_t i = 0; i < v.size(); ++i) CHECK(x.grad().data()[i] == want_dx[i]);
}

TEST_CASE("relu_max_pool2x2: max_pool2d(relu(x + bias)) against a plain loop, ties, odd sizes, accumulation") {
    // Values from {-2, ..., 2} and biases from {-1, 0, 0.5}: ties inside a window are common (the
    // first maximum in row-major order must win), and so are windows whose relu is all 0 (no
    // gradient at all). 7x9 planes drop a row and a column. All sums below are exact in float.
    Generator g(12);
    const int64_t N = 2, C = 3, H = 7, W = 9, HO = 3, WO = 4;
    std::vector<float> v(size_t(N * C * H * W));
    for (float& e : v) e = float(g.randint(5)) - 2.f;
    const std::vector<float> bv = {-1.f, 0.f, 0.5f};
    std::vector<float> dyv(size_t(N * C * HO * WO));
    for (size_t i = 0; i < dyv.size(); ++i) dyv[i] = float(i + 1);
    std::vector<float> want_y(dyv.size());
    std::vector<double> want_dx(v.size(), 0.0), want_db(size_t(C), 0.0);
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t oh = 0; oh < HO; ++oh)
                for (int64_t ow = 0; ow < WO; ++ow) {
                    int64_t at = -1;
                    double best = 0;
                    for (int64_t i = 0; i < 2; ++i)
                        for (int64_t j = 0; j < 2; ++j) {
                            const int64_t k = ((n * C + c) * H + 2 * oh + i) * W + 2 * ow + j;
                            const double r = std::max(double(v[size_t(k)]) + bv[size_t(c)], 0.0);
                            if (at < 0 || r > best) { at = k; best = r; }
                        }
                    const int64_t o = ((n * C + c) * HO + oh) * WO + ow;
                    want_y[size_t(o)] = float(best);
                    if (best > 0) {   // the relu passes the maximum's gradient, and only then
                        want_dx[size_t(at)] += dyv[size_t(o)];
                        want_db[size_t(c)] += dyv[size_t(o)];
                    }
                }
    Tensor x = Tensor::from_vector(v, {N, C, H, W}).requires_grad_();
    Tensor b = Tensor::from_vector(bv).requires_grad_();
    const Tensor dy = Tensor::from_vector(dyv, {N, C, HO, WO});
    {   // a freed block of the gradient's size, full of NaN: a fresh gradient must overwrite it all
        Tensor junk = Tensor::full({N, C, H, W}, std::nanf(""));
    }
    Tensor y = relu_max_pool2x2(x, b);
    REQUIRE(y.shape() == Shape{N, C, HO, WO});
    CHECK(y.to_vector() == want_y);
    y.backward(dy);
    for (size_t i = 0; i < v.size(); ++i) CHECK(x.grad().data()[i] == want_dx[i]);
    for (size_t c = 0; c < bv.size(); ++c) CHECK(b.grad().data()[c] == want_db[c]);
    // a second backward without zero_grad adds to both gradients
    relu_max_pool2x2(x, b).backward(dy);
    for (size_t i = 0; i < v.size(); ++i) CHECK(x.grad().data()[i] == 2 * want_dx[i]);
    for (size_t c = 0; c < bv.size(); ++c) CHECK(b.grad().data()[c] == 2 * want_db[c]);
    SUBCASE("without a bias, and with only the bias needing a gradient") {
        Tensor xa = Tensor::from_vector(v, {N, C, H, W}).requires_grad_();
        Tensor ya = relu_max_pool2x2(xa);
        Tensor yb = max_pool2d(relu(Tensor::from_vector(v, {N, C, H, W})), 2);
        CHECK(ya.to_vector() == yb.to_vector());
        Tensor bb = Tensor::from_vector(bv).requires_grad_();
        relu_max_pool2x2(Tensor::from_vector(v, {N, C, H, W}), bb).backward(dy);
        for (size_t c = 0; c < bv.size(); ++c) CHECK(bb.grad().data()[c] == want_db[c]);
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(relu_max_pool2x2(Tensor::ones({2, 3, 1, 4})),
                             doctest::Contains("relu_max_pool2x2: x must be (N,C,H,W) with H, W >= 2, got [2, 3, 1, 4]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(relu_max_pool2x2(Tensor::ones({2, 3, 4, 4}), Tensor::ones({2})),
                             doctest::Contains("relu_max_pool2x2: bias [2] must be (3) for x [2, 3, 4, 4]"), ShapeError);
    }
}

TEST_CASE("relu_max_pool2x2: gradient check on distinct values, with and without a bias") {
    Generator g(81);
    // values 0.05 apart, biases = 0.025 (mod 0.05): no sum x + b lies within 0.025 of relu's kink
    Tensor x = distinct({2, 3, 4, 5}, g), b = Tensor::from_vector({0.025f, -0.325f, 0.475f});
    check_grad([](const std::vector<Tensor>& in) { return relu_max_pool2x2(in[0], in[1]); }, {x, b});
    check_grad([](const std::vector<Tensor>& in) { return relu_max_pool2x2(in[0] + 0.025f); }, {x});
}
