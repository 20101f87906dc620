// Tests of conv2d's Winograd F(2x2,3x3) path (core/conv_winograd.cpp, forced with CONTRAST_CONV=
// winograd): forward, input and weight gradients against a float64 direct convolution on edge
// shapes, with a stated error bound; agreement with the im2col path; a gradient check; and the
// CONTRAST_CONV switch with its error. The im2col path's own tests: tests/test_ops_conv.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/check.h"
#include "core/conv_winograd.h"
#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/random.h"
#include "tests/test_conv_helpers.h"
#include "tests/test_helpers.h"

using namespace ct;
using namespace ct::test;
using detail::ConvAlgo;
using detail::choose_conv_algo;

namespace {

// max |a - ref| / max |ref|: the error relative to the result's magnitude.
double relative_error(const Tensor& a, const std::vector<double>& ref) {
    REQUIRE(a.numel() == int64_t(ref.size()));
    double worst = 0, scale = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        worst = std::max(worst, std::fabs(double(a.data()[i]) - ref[i]));
        scale = std::max(scale, std::fabs(ref[i]));
    }
    return worst / scale;
}

// The bound for a result that sums n products, relative to its magnitude: 8 sqrt(n) float32
// epsilons. Rounding errors of a float32 sum of n terms of random signs grow like sqrt(n) eps of the
// result's magnitude (the worst case, n eps, needs every error to push the same way, which random
// data never does; a direct-loop reference in double is exact by comparison). Winograd F(2,3) adds
// to the direct sum's n = 9 C products (N HO WO for dw) only a few additions per tile whose
// coefficients are +-1 and +-1/2 (exact in float), so its error has the same sqrt(n) eps scale; the
// factor 8 covers the tail of the largest error over up to 10^5 outputs. Measured on the cases below:
// at most 0.7 sqrt(n) eps (a ninth of the bound); a wrong transform coefficient errs by O(1).
double bound(int64_t n) { return 8.0 * std::sqrt(double(n)) * double(std::numeric_limits<float>::epsilon()); }

struct Case { int64_t N, C, H, W, OUT, pad; bool bias; };

void check_winograd_against_direct(const Case& k, uint64_t seed) {
    const ScopedEnv path("CONTRAST_CONV", "winograd");
    REQUIRE(choose_conv_algo(k.N, k.C, k.H, k.W, k.OUT, 3, 3, 1) == ConvAlgo::Winograd);
    const Conv g{k.N, k.C, k.H, k.W, k.OUT, 3, 3, 1, k.pad, k.bias};
    Generator gen(seed);
    Tensor x = Tensor::randn({k.N, k.C, k.H, k.W}, gen).requires_grad_();
    Tensor w = Tensor::randn({k.OUT, k.C, 3, 3}, gen).requires_grad_();
    Tensor b = k.bias ? Tensor::randn({k.OUT}, gen).requires_grad_() : Tensor();
    Tensor y = conv2d(x, w, b, 1, k.pad);
    const int64_t HO = k.H + 2 * k.pad - 2, WO = k.W + 2 * k.pad - 2;
    REQUIRE(y.shape() == Shape{k.N, k.OUT, HO, WO});
    const double ey = relative_error(y, direct_forward(g, x, w, b));
    Tensor dy = Tensor::randn(y.shape(), gen);
    y.backward(dy);
    const DirectGrads ref = direct_backward(g, x, w, dy);
    const double edx = relative_error(x.grad(), ref.dx), edw = relative_error(w.grad(), ref.dw);
    INFO("relative errors y " << ey << " dx " << edx << " dw " << edw << "; in units of the bound: "
                              << ey / bound(9 * k.C) << ", " << edx / bound(9 * k.OUT) << ", "
                              << edw / bound(k.N * HO * WO));
    CHECK(ey < bound(9 * k.C));              // y: 9 C products per output
    CHECK(edx < bound(9 * k.OUT));           // dx: 9 OUT products per input element
    CHECK(edw < bound(k.N * HO * WO));       // dw: N HO WO products per weight
    if (k.bias) CHECK(relative_error(b.grad(), ref.db) < bound(k.N * HO * WO));
}

}  // namespace

TEST_CASE("conv2d winograd: forward, dx and dw against a float64 direct convolution") {
    // N, C, H, W, OUT, pad, bias
    const std::vector<Case> cases{
        {1, 1, 5, 5, 1, 0, true},      // batch 1, C = 1, OUT = 1: one output tile and a half
        {2, 3, 7, 9, 2, 1, false},     // C = 3 (RGB), odd H and W: the last tiles hang over the edge
        {3, 2, 6, 5, 4, 1, true},      // H even, W odd
        {2, 2, 4, 4, 3, 2, true},      // padding 2: the outer tiles read only padding on one side
        {1, 2, 3, 3, 2, 3, false},     // padding 3 > the kernel's reach: whole tiles of zeros
        {2, 5, 9, 7, 1, 0, true},      // OUT = 1, no padding, odd sizes
        {1, 4, 1, 1, 3, 1, false},     // a 1x1 image with padding 1: a 1x1 output
        {4, 16, 8, 8, 8, 1, true},     // an 8x8 layer, E2's last stage, several images per block
        {3, 24, 30, 31, 40, 1, false}, // one image per block: three blocks share the dw sum
    };
    uint64_t seed = 140;
    for (const Case& k : cases) {
        INFO("N" << k.N << " C" << k.C << " H" << k.H << " W" << k.W << " OUT" << k.OUT << " pad " << k.pad);
        check_winograd_against_direct(k, seed++);
    }
}

TEST_CASE("conv2d winograd: agrees with the im2col path") {
    // E2's 32 -> 32 layer on 4 images: y, dx, dw and db within twice the bound of each other (each
    // path is within the bound of the exact result)
    Generator gen(150);
    Tensor x = Tensor::randn({4, 32, 32, 32}, gen), w = Tensor::randn({32, 32, 3, 3}, gen) * 0.1f;
    Tensor b = Tensor::randn({32}, gen), dy = Tensor::randn({4, 32, 32, 32}, gen);
    std::vector<Tensor> out[2];
    const char* paths[2] = {"im2col", "winograd"};
    for (int p = 0; p < 2; ++p) {
        const ScopedEnv path("CONTRAST_CONV", paths[p]);
        Tensor xp = x.clone().requires_grad_(), wp = w.clone().requires_grad_(), bp = b.clone().requires_grad_();
        Tensor y = conv2d(xp, wp, bp, 1, 1);
        y.backward(dy);
        out[p] = {y, xp.grad(), wp.grad(), bp.grad()};
    }
    const int64_t n[4] = {9 * 32, 9 * 32, 4 * 32 * 32, 4 * 32 * 32};
    for (int i = 0; i < 4; ++i) {
        const std::vector<float> a = out[0][size_t(i)].to_vector();
        const std::vector<double> ref(a.begin(), a.end());
        INFO("output " << i << " (y, dx, dw, db)");
        CHECK(relative_error(out[1][size_t(i)], ref) < 2 * bound(n[i]));
    }
}

TEST_CASE("conv2d winograd: gradient check") {
    const ScopedEnv path("CONTRAST_CONV", "winograd");
    Generator g(160);
    SUBCASE("padding 1, bias, odd width") {
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
                   {Tensor::randn({2, 2, 4, 5}, g), Tensor::randn({3, 2, 3, 3}, g), Tensor::randn({3}, g)});
    }
    SUBCASE("padding 0, no bias, batch 1") {
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), 1, 0); },
                   {Tensor::randn({1, 3, 5, 6}, g), Tensor::randn({2, 3, 3, 3}, g)});
    }
}

TEST_CASE("conv2d winograd: CONTRAST_CONV picks the path") {
    SUBCASE("im2col and winograd force a path; winograd only where it applies (3x3, stride 1)") {
        const ScopedEnv i2c("CONTRAST_CONV", "im2col");
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 3, 1) == ConvAlgo::Im2col);
        const ScopedEnv wino("CONTRAST_CONV", "winograd");
        CHECK(choose_conv_algo(8, 3, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd);
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 3, 2) == ConvAlgo::Im2col);   // stride 2
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 5, 5, 1) == ConvAlgo::Im2col);   // 5x5
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 1, 1, 1) == ConvAlgo::Im2col);   // 1x1
    }
    SUBCASE("auto (or unset, or empty) is the measured rule: from 16 input channels on 8x8 or larger") {
        for (const char* v : {"auto", "", static_cast<const char*>(nullptr)}) {
            const ScopedEnv env("CONTRAST_CONV", v);
            CHECK(choose_conv_algo(512, 32, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd);
            CHECK(choose_conv_algo(512, 16, 8, 8, 32, 3, 3, 1) == ConvAlgo::Winograd);
            CHECK(choose_conv_algo(512, 3, 32, 32, 32, 3, 3, 1) == ConvAlgo::Im2col);    // E2's first layer
            CHECK(choose_conv_algo(512, 64, 4, 4, 64, 3, 3, 1) == ConvAlgo::Im2col);     // 4x4: not measured
            CHECK(choose_conv_algo(512, 32, 32, 32, 32, 3, 3, 2) == ConvAlgo::Im2col);
        }
    }
    SUBCASE("an unknown value is an error naming the choices, from conv2d too") {
        const ScopedEnv env("CONTRAST_CONV", "fft");
        CHECK_THROWS_WITH_AS(choose_conv_algo(1, 1, 4, 4, 1, 3, 3, 1),
                             doctest::Contains("conv2d: CONTRAST_CONV=fft is not one of: auto, im2col, winograd"),
                             ValueError);
        CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 1, 4, 4}), Tensor::ones({1, 1, 3, 3})),
                             doctest::Contains("CONTRAST_CONV=fft"), ValueError);
    }
}
