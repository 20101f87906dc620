// Tests of conv2d's reference path (core/ops_conv.cpp, im2col + sgemm, forced with CONTRAST_CONV=
// im2col): forward against a direct double-precision nested loop over many geometries (stride 1/2,
// padding 0/1/2, bias or not, batch 1 or several, non-square inputs and kernels), backward against
// that loop's analytic gradients and against gradcheck, and the chunked path (batches whose column
// buffer exceeds kColumnBudget = 4M floats). The Winograd path: tests/test_conv_winograd.cpp.
#include <doctest/doctest.h>

#include <cmath>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/random.h"
#include "tests/test_conv_helpers.h"
#include "tests/test_helpers.h"

using namespace ct;
using namespace ct::test;

namespace {

// Forward and backward of conv2d against the direct loops for one geometry.
void check_against_direct(const Conv& g, uint64_t seed, double tol = 1e-5) {
    const ScopedEnv path("CONTRAST_CONV", "im2col");
    Generator gen(seed);
    Tensor x = Tensor::randn({g.N, g.C, g.H, g.W}, gen).requires_grad_();
    Tensor w = (Tensor::randn({g.OUT, g.C, g.KH, g.KW}, gen) * 0.3f).requires_grad_();
    Tensor b = g.bias ? Tensor::randn({g.OUT}, gen).requires_grad_() : Tensor();
    Tensor y = conv2d(x, w, b, g.stride, g.pad);
    CHECK(y.shape() == Shape{g.N, g.OUT, out_size(g.H, g.KH, g.stride, g.pad), out_size(g.W, g.KW, g.stride, g.pad)});
    CHECK(worst_error(y, direct_forward(g, x, w, b)) < tol);
    Tensor dy = Tensor::randn(y.shape(), gen);
    y.backward(dy);
    const DirectGrads ref = direct_backward(g, x, w, dy);
    CHECK(worst_error(x.grad(), ref.dx) < tol);
    CHECK(worst_error(w.grad(), ref.dw) < tol);
    if (g.bias) CHECK(worst_error(b.grad(), ref.db) < tol);
}

}  // namespace

TEST_CASE("conv2d: forward by hand") {
    // x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,0],[0,-1]]: y[i,j] = x[i,j] - x[i+1,j+1] = -4 everywhere
    Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
    Tensor w = Tensor::from_vector({1, 0, 0, -1}, {1, 1, 2, 2});
    SUBCASE("no padding, then a bias of 1") {
        CHECK(conv2d(x, w).to_vector() == std::vector<float>{-4, -4, -4, -4});
        CHECK(conv2d(x, w, Tensor::from_vector({1})).to_vector() == std::vector<float>{-3, -3, -3, -3});
    }
    SUBCASE("padding 1: y[i,j] = x[i-1,j-1] - x[i,j] with zeros outside, a 4x4 output") {
        Tensor y = conv2d(x, w, Tensor(), 1, 1);
        CHECK(y.shape() == Shape{1, 1, 4, 4});
        CHECK(y.at({0, 0, 0, 0}) == -1.f);   // 0 - x[0,0]
        CHECK(y.at({0, 0, 1, 1}) == -4.f);   // x[0,0] - x[1,1] = 1 - 5
        CHECK(y.at({0, 0, 3, 3}) == 9.f);    // x[2,2] - 0
        CHECK(y.at({0, 0, 0, 3}) == 0.f);    // 0 - 0 (x[-1,2] and x[0,3] are both outside)
    }
    SUBCASE("stride 2 on a 3x3 with padding 1: outputs at (0,0),(0,2),(2,0),(2,2) of the padded grid") {
        // y = [[x[-1,-1] - x[0,0], x[-1,1] - x[0,2]], [x[1,-1] - x[2,0], x[1,1] - x[2,2]]] = [[-1,-3],[-7,5-9]]
        CHECK(conv2d(x, w, Tensor(), 2, 1).to_vector() == std::vector<float>{-1, -3, -7, -4});
    }
}

TEST_CASE("conv2d: against a direct double loop, forward and backward") {
    // N, C, H, W, OUT, KH, KW, stride, pad, bias
    const std::vector<Conv> cases{
        {1, 1, 5, 5, 1, 3, 3, 1, 0, true},    // batch 1, the smallest
        {3, 2, 6, 5, 4, 3, 3, 1, 1, true},    // non-square input, "same" padding
        {2, 3, 7, 9, 2, 3, 3, 2, 1, false},   // stride 2, no bias
        {2, 2, 8, 6, 3, 5, 5, 1, 2, true},    // padding 2 with a 5x5 kernel
        {2, 2, 9, 7, 3, 3, 3, 2, 0, true},    // stride 2, no padding, odd sizes (last row/col unused)
        {1, 3, 6, 6, 2, 2, 3, 2, 2, false},   // non-square kernel
        {4, 1, 4, 4, 2, 1, 1, 1, 0, true},    // 1x1 kernel
        {2, 2, 3, 3, 3, 3, 3, 1, 0, true},    // kernel as large as the input: a 1x1 output
        {3, 2, 16, 16, 3, 3, 3, 1, 1, false}, // a 16x16 image, as E2's second stage
        {2, 3, 17, 16, 2, 3, 3, 1, 1, true},  // odd height, with a bias (its parallel sum)
        {9, 1, 28, 28, 4, 5, 5, 1, 2, true},  // E1's first layer: one image per thread (per_image)
    };
    // Batches of 2 or more with C*KH*KW <= 32 take the per-image path, batches of 1 and the test
    // below the chunked one.
    uint64_t seed = 50;
    for (const Conv& g : cases) {
        INFO("N" << g.N << " C" << g.C << " H" << g.H << " W" << g.W << " OUT" << g.OUT << " K" << g.KH << "x" << g.KW
                 << " stride " << g.stride << " pad " << g.pad << (g.bias ? " bias" : " no bias"));
        check_against_direct(g, seed++);
    }
}

TEST_CASE("conv2d: gradient check") {
    const ScopedEnv path("CONTRAST_CONV", "im2col");
    Generator g(60);
    SUBCASE("stride 1, padding 1, bias") {
        const GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
                                            {Tensor::randn({2, 2, 4, 5}, g), Tensor::randn({3, 2, 3, 3}, g),
                                             Tensor::randn({3}, g)});
        INFO(r.message());
        CHECK(r.ok);
    }
    SUBCASE("stride 2, padding 2, no bias, batch 1") {
        const GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), 2, 2); },
                                            {Tensor::randn({1, 3, 5, 4}, g), Tensor::randn({2, 3, 3, 2}, g)});
        INFO(r.message());
        CHECK(r.ok);
    }
}

TEST_CASE("conv2d: the chunked path (column buffer larger than kColumnBudget)") {
    // One image's columns: C*K*K x HO*WO = 64*5*5 x 28*28 = 1600 x 784 = 1.25M floats, so 4M floats
    // hold 3 images: a batch of 7 runs as chunks of 3, 3 and 1 (the short last chunk included).
    check_against_direct({7, 64, 28, 28, 2, 5, 5, 1, 2, true}, 70);
}

TEST_CASE("conv2d: only the inputs that need a gradient get one") {
    Generator g(71);
    Tensor x = Tensor::randn({1, 1, 4, 4}, g);   // data: no gradient
    Tensor w = Tensor::randn({2, 1, 3, 3}, g).requires_grad_();
    sum(conv2d(x, w)).backward();
    CHECK(w.grad().defined());
    CHECK(!x.grad().defined());
}

TEST_CASE("conv2d: errors") {
    CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 3, 8, 8}), Tensor::ones({4, 2, 3, 3})),
                         doctest::Contains("conv2d: x [1, 3, 8, 8] and w [4, 2, 3, 3] must be (N,C,H,W) and (OUT,C,KH,KW)"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({3, 8, 8}), Tensor::ones({4, 3, 3, 3})),
                         doctest::Contains("conv2d: x [3, 8, 8]"), ShapeError);
    CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 1, 3, 3}), Tensor::ones({1, 1, 5, 5})),
                         doctest::Contains("conv2d: kernel 5x5 larger than the padded input [1, 1, 3, 3]"), ShapeError);
    CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 1, 3, 3}), Tensor::ones({4, 1, 3, 3}), Tensor::ones({3})),
                         doctest::Contains("conv2d: bias [3] must be (4)"), ShapeError);
    CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 1, 3, 3}), Tensor::ones({1, 1, 3, 3}), Tensor(), 0, 0),
                         doctest::Contains("conv2d: stride 0 and padding 0 must be >= 1 and >= 0"), ShapeError);
}

TEST_CASE("conv2d_relu_max_pool2x2: the values and gradients of relu_max_pool2x2(conv2d(x, w), b)") {
    struct Case { int64_t N, C, H, W, OUT, K, pad; bool bias; };
    // per-image (pooled in cache): an odd conv output (the last column unused), no bias; 5x5 with
    // C*K*K > 32 and a batch of 1 run the two ops
    const std::vector<Case> cases{{3, 1, 10, 9, 4, 3, 1, true}, {4, 3, 8, 8, 2, 3, 1, false},
                                  {2, 2, 8, 8, 3, 5, 2, true}, {1, 1, 6, 6, 2, 3, 1, true}};
    Generator gen(72);
    for (const Case& c : cases) {
        INFO("N" << c.N << " C" << c.C << " " << c.H << "x" << c.W << " OUT" << c.OUT << " K" << c.K);
        const Tensor x0 = Tensor::randn({c.N, c.C, c.H, c.W}, gen), w0 = Tensor::randn({c.OUT, c.C, c.K, c.K}, gen);
        const Tensor b0 = c.bias ? Tensor::randn({c.OUT}, gen) : Tensor();
        Tensor xa = x0.clone().requires_grad_(), wa = w0.clone().requires_grad_();
        Tensor xb = x0.clone().requires_grad_(), wb = w0.clone().requires_grad_();
        Tensor ba = c.bias ? b0.clone().requires_grad_() : Tensor(), bb = c.bias ? b0.clone().requires_grad_() : Tensor();
        Tensor fused = conv2d_relu_max_pool2x2(xa, wa, ba, 1, c.pad);
        Tensor composed = relu_max_pool2x2(conv2d(xb, wb, Tensor(), 1, c.pad), bb);
        REQUIRE(fused.shape() == composed.shape());
        const bool pooled_in_cache = c.N >= 2 && c.C * c.K * c.K <= 32;   // else relu_max_pool2x2 made it
        CHECK((fused.grad_fn()->name == "conv2d_relu_max_pool2x2") == pooled_in_cache);
        for (int64_t i = 0; i < fused.numel(); ++i) CHECK(fused.data()[i] == doctest::Approx(composed.data()[i]).epsilon(1e-6));
        const Tensor dy = Tensor::randn(fused.shape(), gen);
        fused.backward(dy);
        composed.backward(dy);
        auto same = [](const Tensor& a, const Tensor& b) {
            REQUIRE(a.numel() == b.numel());
            for (int64_t i = 0; i < a.numel(); ++i) CHECK(a.data()[i] == doctest::Approx(b.data()[i]).epsilon(1e-5).scale(1e-5));
        };
        same(xa.grad(), xb.grad());
        same(wa.grad(), wb.grad());
        if (c.bias) same(ba.grad(), bb.grad());
    }
}
