// Tests of conv2d's Winograd paths, F(2x2,3x3), F(4x4,3x3) and F(2x2,5x5) (core/conv_winograd.cpp,
// conv_winograd43.cpp and conv_winograd5.cpp, forced with CONTRAST_CONV=winograd|winograd4x4): forward, input and weight gradients against a float64 direct convolution on edge
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

// The largest error seen in units of sqrt(n) eps, over all cases of F(2,3), F(2,5) and F(4,3)
// (printed at the end).
double worst_seen[3] = {0, 0, 0};

// algo: ConvAlgo::Winograd (F(2x2,KxK)) or ConvAlgo::Winograd4x4 (F(4x4,3x3)).
void check_winograd_against_direct(const Case& k, int64_t K, ConvAlgo algo, double factor, uint64_t seed) {
    const bool four = algo == ConvAlgo::Winograd4x4;
    const ScopedEnv path("CONTRAST_CONV", four ? "winograd4x4" : "winograd");
    REQUIRE(choose_conv_algo(k.N, k.C, k.H, k.W, k.OUT, K, K, 1) == algo);
    const Conv g{k.N, k.C, k.H, k.W, k.OUT, K, K, 1, k.pad, k.bias};
    Generator gen(seed);
    Tensor x = Tensor::randn({k.N, k.C, k.H, k.W}, gen).requires_grad_();
    Tensor w = Tensor::randn({k.OUT, k.C, K, K}, gen).requires_grad_();
    Tensor b = k.bias ? Tensor::randn({k.OUT}, gen).requires_grad_() : Tensor();
    Tensor y = conv2d(x, w, b, 1, k.pad);
    const int64_t HO = k.H + 2 * k.pad - K + 1, WO = k.W + 2 * k.pad - K + 1;
    REQUIRE(y.shape() == Shape{k.N, k.OUT, HO, WO});
    const double ey = relative_error(y, direct_forward(g, x, w, b));
    Tensor dy = Tensor::randn(y.shape(), gen);
    y.backward(dy);
    const DirectGrads ref = direct_backward(g, x, w, dy);
    const double edx = relative_error(x.grad(), ref.dx), edw = relative_error(w.grad(), ref.dw);
    const int64_t ny = K * K * k.C, ndx = K * K * k.OUT, ndw = k.N * HO * WO;   // products per result
    const double unit = bound(1) / 8;   // sqrt(n) eps for n = 1
    const double seen = std::max({ey / std::sqrt(double(ny)), edx / std::sqrt(double(ndx)),
                                  edw / std::sqrt(double(ndw))}) / unit;
    double& worst = worst_seen[four ? 2 : K == 5];
    worst = std::max(worst, seen);
    INFO("relative errors y " << ey << " dx " << edx << " dw " << edw << "; the largest " << seen
                              << " sqrt(n) eps, the bound " << factor * 8);
    CHECK(ey < factor * bound(ny));          // y: K^2 C products per output
    CHECK(edx < factor * bound(ndx));        // dx: K^2 OUT products per input element
    CHECK(edw < factor * bound(ndw));        // dw: N HO WO products per weight
    if (k.bias) CHECK(relative_error(b.grad(), ref.db) < bound(ndw));
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
        check_winograd_against_direct(k, 3, ConvAlgo::Winograd, 1.0, seed++);
    }
    MESSAGE("F(2,3): largest error " << worst_seen[0] << " sqrt(n) eps");
}

TEST_CASE("conv2d winograd 5x5: forward, dx and dw against a float64 direct convolution") {
    // F(2,5)'s G holds 1/6 and 1/24 (inexact in float32) and its B^T entries up to 5, so the
    // transformed data is rounded more and grows before the products: measured on the cases below at
    // most 4.7 sqrt(n) eps (dw of E1's second layer: 1.4e-5 of its magnitude; y and dx at most 3.5),
    // against 0.7 for F(2,3). The bound is 4 x F(2,3)'s, 32 sqrt(n) eps, 6.7x the largest measured
    // error; a wrong transform coefficient errs by O(1), ~10^4 x that bound.
    // N, C, H, W, OUT, pad, bias
    const std::vector<Case> cases{
        {1, 1, 5, 5, 1, 0, true},      // C = 1, OUT = 1, no padding: exactly one output
        {2, 1, 28, 28, 4, 2, true},    // E1's first layer (C = 1, pad 2) on 4 channels
        {2, 3, 7, 9, 2, 1, false},     // odd H and W, pad 1: the last tiles hang over the edge
        {3, 2, 6, 5, 4, 2, true},      // H even, W odd, pad 2 (E1's)
        {1, 2, 3, 3, 2, 2, false},     // a 3x3 image, pad 2: a 3x3 output, tiles mostly padding
        {2, 2, 2, 2, 3, 3, true},      // padding 3 > what the kernel reaches: whole tiles of zeros
        {2, 5, 11, 8, 1, 0, true},     // OUT = 1, no padding, odd height
        {3, 32, 14, 14, 16, 2, true},  // E1's second layer (on 16 outputs), one image per block
        {2, 32, 14, 14, 64, 2, false}, // E1's second layer itself: its products go through gemm_small
        {2, 16, 9, 10, 24, 1, false},  // C = 16, pad 1, odd height
    };
    uint64_t seed = 240;
    for (const Case& k : cases) {
        INFO("N" << k.N << " C" << k.C << " H" << k.H << " W" << k.W << " OUT" << k.OUT << " pad " << k.pad);
        check_winograd_against_direct(k, 5, ConvAlgo::Winograd, 4.0, seed++);
    }
    MESSAGE("F(2,5): largest error " << worst_seen[1] << " sqrt(n) eps");
}

TEST_CASE("conv2d winograd 4x4: F(4x4,3x3) forward, dx and dw against a float64 direct convolution") {
    // F(4,3)'s transforms share F(2,5)'s B (entries up to 5), its A^T holds 4 and 8 and its G 1/6
    // and 1/24 (inexact in float32), so it rounds more than F(2,3). Measured on the cases below: at
    // most 4.7 sqrt(n) eps, 2.5 on the two E2-sized layers, except y of the first case, 15.2: one
    // tile and n = 9, where the transforms' own rounding (which does not shrink with n) dominates.
    // The bound is F(2,5)'s, 32 sqrt(n) eps; a wrong coefficient errs by O(1).
    // N, C, H, W, OUT, pad, bias
    const std::vector<Case> cases{
        {1, 1, 6, 6, 1, 0, true},      // C = 1, OUT = 1, no padding: exactly one 4x4 output tile
        {2, 3, 7, 9, 2, 1, false},     // odd H and W: the last tiles hang 1 and 3 over the edge
        {3, 2, 10, 5, 4, 1, true},     // H = 10 (a tile and a half), W = 5
        {2, 2, 4, 4, 3, 2, true},      // padding 2: the outer tiles read only padding on one side
        {1, 2, 3, 3, 2, 3, false},     // padding 3 > the kernel's reach: whole tiles of zeros
        {2, 5, 9, 7, 1, 0, true},      // OUT = 1, no padding, odd sizes
        {1, 4, 1, 1, 3, 1, false},     // a 1x1 image with padding 1: a 1x1 output
        {4, 16, 8, 8, 8, 1, true},     // an 8x8 layer, E2's last stage: 2x2 tiles per image
        {3, 24, 30, 31, 40, 1, false}, // larger planes, several blocks share the dw sum
        {2, 32, 32, 32, 32, 1, true},  // E2's 32 -> 32 layer at 32x32 (2 images)
    };
    uint64_t seed = 340;
    for (const Case& k : cases) {
        INFO("N" << k.N << " C" << k.C << " H" << k.H << " W" << k.W << " OUT" << k.OUT << " pad " << k.pad);
        check_winograd_against_direct(k, 3, ConvAlgo::Winograd4x4, 4.0, seed++);
    }
    MESSAGE("F(4,3): largest error " << worst_seen[2] << " sqrt(n) eps");
}

namespace {

// y, dx, dw and db of both paths on one layer (batch 4, padding K/2), each within `factor` times the
// bound of the exact result, so within twice that of each other.
void check_agreement(int64_t C, int64_t OUT, int64_t HW, int64_t K, const char* winograd, double factor,
                     uint64_t seed) {
    Generator gen(seed);
    const int64_t pad = K / 2;
    Tensor x = Tensor::randn({4, C, HW, HW}, gen), w = Tensor::randn({OUT, C, K, K}, gen) * 0.1f;
    Tensor b = Tensor::randn({OUT}, gen), dy = Tensor::randn({4, OUT, HW, HW}, gen);
    std::vector<Tensor> out[2];
    const char* paths[2] = {"im2col", winograd};
    for (int p = 0; p < 2; ++p) {
        const ScopedEnv path("CONTRAST_CONV", paths[p]);
        Tensor xp = x.clone().requires_grad_(), wp = w.clone().requires_grad_(), bp = b.clone().requires_grad_();
        Tensor y = conv2d(xp, wp, bp, 1, pad);
        y.backward(dy);
        out[p] = {y, xp.grad(), wp.grad(), bp.grad()};
    }
    const int64_t n[4] = {K * K * C, K * K * OUT, 4 * HW * HW, 4 * HW * HW};
    for (int i = 0; i < 4; ++i) {
        const std::vector<float> a = out[0][size_t(i)].to_vector();
        const std::vector<double> ref(a.begin(), a.end());
        INFO("output " << i << " (y, dx, dw, db)");
        CHECK(relative_error(out[1][size_t(i)], ref) < 2 * factor * bound(n[i]));
    }
}

}  // namespace

TEST_CASE("conv2d winograd: agrees with the im2col path") {
    SUBCASE("E2's 32 -> 32 3x3 layer") { check_agreement(32, 32, 32, 3, "winograd", 1.0, 150); }
    SUBCASE("E1's 32 -> 64 5x5 layer") { check_agreement(32, 64, 14, 5, "winograd", 4.0, 151); }
    SUBCASE("E2's 64 -> 64 3x3 layer, F(4x4,3x3)") { check_agreement(64, 64, 16, 3, "winograd4x4", 4.0, 152); }
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
    // F(2,5) rounds more: a step of 0.1 (exact, conv2d being linear in each input) keeps its noise in
    // the difference quotients small (tests/test_all_ops_gradcheck.cpp's 5x5 row says how much).
    GradcheckOptions step;
    step.eps = 0.1;
    SUBCASE("5x5, padding 2, bias, odd height") {
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 1, 2); },
                   {Tensor::randn({2, 2, 5, 4}, g), Tensor::randn({3, 2, 5, 5}, g), Tensor::randn({3}, g)}, step);
    }
    SUBCASE("5x5, padding 0, no bias, batch 1") {
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), 1, 0); },
                   {Tensor::randn({1, 3, 7, 6}, g), Tensor::randn({2, 3, 5, 5}, g)}, step);
    }
    SUBCASE("F(4x4,3x3), padding 1, bias, a tile and a half") {   // rounds like F(2,5): the same step
        const ScopedEnv four("CONTRAST_CONV", "winograd4x4");
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
                   {Tensor::randn({2, 2, 6, 5}, g), Tensor::randn({3, 2, 3, 3}, g), Tensor::randn({3}, g)}, step);
    }
    SUBCASE("F(4x4,3x3), padding 0, no bias, batch 1") {
        const ScopedEnv four("CONTRAST_CONV", "winograd4x4");
        check_grad([](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), 1, 0); },
                   {Tensor::randn({1, 3, 9, 7}, g), Tensor::randn({2, 3, 3, 3}, g)}, step);
    }
}

TEST_CASE("conv2d winograd: CONTRAST_CONV picks the path") {
    SUBCASE("im2col and winograd force a path; winograd only where it applies (3x3 or 5x5, stride 1)") {
        const ScopedEnv i2c("CONTRAST_CONV", "im2col");
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 3, 1) == ConvAlgo::Im2col);
        const ScopedEnv wino("CONTRAST_CONV", "winograd");
        CHECK(choose_conv_algo(8, 3, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd);
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 3, 2) == ConvAlgo::Im2col);   // stride 2
        CHECK(choose_conv_algo(8, 1, 28, 28, 32, 5, 5, 1) == ConvAlgo::Winograd);   // 5x5
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 5, 5, 2) == ConvAlgo::Im2col);   // 5x5 stride 2
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 1, 1, 1) == ConvAlgo::Im2col);   // 1x1
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 7, 7, 1) == ConvAlgo::Im2col);   // 7x7
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 5, 1) == ConvAlgo::Im2col);   // 3x5
        const ScopedEnv four("CONTRAST_CONV", "winograd4x4");   // F(4x4,3x3) for 3x3 only
        CHECK(choose_conv_algo(8, 3, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd4x4);
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 5, 5, 1) == ConvAlgo::Winograd);     // 5x5: F(2x2,5x5)
        CHECK(choose_conv_algo(8, 32, 32, 32, 32, 3, 3, 2) == ConvAlgo::Im2col);      // stride 2
    }
    SUBCASE("auto (or unset, or empty) is the measured rule: on 8x8 or larger, F(4x4,3x3) from 8 input "
            "channels, F(2x2,5x5) from 8") {
        for (const char* v : {"auto", "", static_cast<const char*>(nullptr)}) {
            const ScopedEnv env("CONTRAST_CONV", v);
            CHECK(choose_conv_algo(512, 32, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd4x4);
            CHECK(choose_conv_algo(512, 16, 8, 8, 32, 3, 3, 1) == ConvAlgo::Winograd4x4);
            CHECK(choose_conv_algo(512, 8, 32, 32, 32, 3, 3, 1) == ConvAlgo::Winograd4x4);
            CHECK(choose_conv_algo(512, 4, 32, 32, 32, 3, 3, 1) == ConvAlgo::Im2col);
            CHECK(choose_conv_algo(512, 3, 32, 32, 32, 3, 3, 1) == ConvAlgo::Im2col);    // E2's first layer
            CHECK(choose_conv_algo(256, 8, 14, 14, 64, 5, 5, 1) == ConvAlgo::Winograd);  // 5x5: from 8
            CHECK(choose_conv_algo(256, 4, 14, 14, 64, 5, 5, 1) == ConvAlgo::Im2col);
            CHECK(choose_conv_algo(512, 64, 4, 4, 64, 3, 3, 1) == ConvAlgo::Im2col);     // 4x4: not measured
            CHECK(choose_conv_algo(512, 32, 32, 32, 32, 3, 3, 2) == ConvAlgo::Im2col);
            CHECK(choose_conv_algo(256, 32, 14, 14, 64, 5, 5, 1) == ConvAlgo::Winograd);   // E1's second layer
            CHECK(choose_conv_algo(256, 1, 28, 28, 32, 5, 5, 1) == ConvAlgo::Im2col);      // E1's first
        }
    }
    SUBCASE("an unknown value is an error naming the choices, from conv2d too") {
        const ScopedEnv env("CONTRAST_CONV", "fft");
        CHECK_THROWS_WITH_AS(choose_conv_algo(1, 1, 4, 4, 1, 3, 3, 1),
                             doctest::Contains("conv2d: CONTRAST_CONV=fft is not one of: auto, im2col, winograd, winograd4x4"),
                             ValueError);
        CHECK_THROWS_WITH_AS(conv2d(Tensor::ones({1, 1, 4, 4}), Tensor::ones({1, 1, 3, 3})),
                             doctest::Contains("CONTRAST_CONV=fft"), ValueError);
    }
}
