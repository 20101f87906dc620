// fast_exp against the double-precision exp of the C library, ulp by ulp over its whole range,
// and at the edges the fused losses rely on: the clamp for -inf (the masked diagonal) and NaN.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/fast_exp.h"

using ct::fast_exp;

TEST_CASE("fast_exp is within 1.5 ulp of exp over [-87, 88]") {
    double worst_ulp = 0, worst_x = 0;
    for (double x = -87.0; x <= 88.0; x += 1.7e-4) {   // ~1 million points, every exponent band
        const float xf = float(x);
        const double reference = std::exp(double(xf));
        const double ulp = std::ldexp(1.0, std::ilogb(reference) - 23);   // of a float near the reference
        const double error = std::fabs(double(fast_exp(xf)) - reference) / ulp;
        if (error > worst_ulp) worst_ulp = error, worst_x = xf;
    }
    INFO("worst " << worst_ulp << " ulp at x = " << worst_x);
    CHECK(worst_ulp <= 1.5);
    CHECK(fast_exp(0.f) == 1.f);
    CHECK(fast_exp(1.f) == doctest::Approx(2.718281828459045).epsilon(2e-7));
}

TEST_CASE("fast_exp clamps below to the smallest normal float and keeps NaN") {
    const float smallest_normal = std::numeric_limits<float>::min();   // 2^-126
    CHECK(fast_exp(-1000.f) == doctest::Approx(smallest_normal).epsilon(1e-6));
    CHECK(fast_exp(-std::numeric_limits<float>::infinity()) == doctest::Approx(smallest_normal).epsilon(1e-6));
    CHECK(fast_exp(-87.33654f) > 0.f);
    CHECK(std::isnan(fast_exp(std::nanf(""))));
    // A softmax row shifted by its max: a sum of 1 plus a clamped term stays exactly 1.
    CHECK(1.f + fast_exp(-std::numeric_limits<float>::infinity()) == 1.f);
}
