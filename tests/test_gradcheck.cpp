// Tests of core/gradcheck.h itself: a checker that passes everything is worse than none, so these
// feed it deliberately wrong backward functions (scaled, transposed, NaN) and check it fails them.
#include <doctest/doctest.h>

#include <cmath>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/random.h"

using namespace ct;

namespace {
// y = x (a copy) with a backward that sends dy through `route`: the identity is right, anything
// else is a planted bug the check must catch.
template <class Route>
Tensor copy_with_backward(const Tensor& x, Route route) {
    Tensor y = x.detach().clone();
    const int64_t n = x.numel();
    const Shape shape = x.shape();
    return record("planted", y, {x}, [n, shape, route](const float* dy, Grads& g) {
        if (float* gx = g.get(0)) route(dy, gx, n, shape);
    });
}
}  // namespace

TEST_CASE("gradcheck: passes correct gradients") {
    Generator gen(1);
    Tensor a = Tensor::randn({3, 4}, gen), b = Tensor::randn({3, 4}, gen);
    auto r = gradcheck([](const std::vector<Tensor>& in) { return mul(in[0], in[1]); }, {a, b});
    CHECK(r.ok);
    CHECK(r.max_abs_error < 1e-3);
    CHECK(r.message().rfind("gradcheck passed: max abs error", 0) == 0);
}

TEST_CASE("gradcheck: catches wrong gradients") {
    Generator gen(2);
    Tensor x = Tensor::randn({2, 2}, gen);
    SUBCASE("a gradient off by a factor of 2") {
        auto r = gradcheck([](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float* dy, float* gx, int64_t n, const Shape&) {
                for (int64_t i = 0; i < n; ++i) gx[i] += 2.f * dy[i];
            });
        }, {x});
        CHECK(!r.ok);
        CHECK(r.message().find("gradcheck FAILED") == 0);
        CHECK(r.worst.find("input 0 [2, 2] element") == 0);
    }
    SUBCASE("a transposed gradient, which a plain sum of the output would not notice") {
        // For L = sum(y) every dy is 1 and the transpose changes nothing; the random projection
        // gives each output element its own weight, so routing dy[i,j] to x[j,i] is wrong.
        auto r = gradcheck([](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float* dy, float* gx, int64_t, const Shape& s) {
                for (int64_t i = 0; i < s[0]; ++i)
                    for (int64_t j = 0; j < s[1]; ++j) gx[j * s[0] + i] += dy[i * s[1] + j];
            });
        }, {x});
        CHECK(!r.ok);
    }
    SUBCASE("a NaN gradient fails (NaN compares false with everything)") {
        auto r = gradcheck([](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float*, float* gx, int64_t n, const Shape&) {
                for (int64_t i = 0; i < n; ++i) gx[i] += NAN;
            });
        }, {x});
        CHECK(!r.ok);
        CHECK(std::isnan(r.max_abs_error));
    }
    SUBCASE("a missing gradient (backward that never writes) fails") {
        auto r = gradcheck([](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float*, float*, int64_t, const Shape&) {});
        }, {x});
        CHECK(!r.ok);
        CHECK(r.max_abs_error > 0.1);
    }
    SUBCASE("the identity routing itself passes (the planted-bug harness is sound)") {
        auto r = gradcheck([](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float* dy, float* gx, int64_t n, const Shape&) {
                for (int64_t i = 0; i < n; ++i) gx[i] += dy[i];
            });
        }, {x});
        CHECK(r.ok);
    }
}

TEST_CASE("gradcheck: inputs and options") {
    Generator gen(3);
    Tensor x = Tensor::randn({5}, gen);
    SUBCASE("the caller's inputs are copied, never changed") {
        const std::vector<float> before = x.to_vector();
        gradcheck([](const std::vector<Tensor>& in) { return exp(in[0]); }, {x});
        CHECK(x.to_vector() == before);
        CHECK(!x.requires_grad());
    }
    SUBCASE("an output that does not depend on the inputs is an error") {
        CHECK_THROWS_WITH_AS(gradcheck([](const std::vector<Tensor>&) { return Tensor::ones({2}); }, {x}),
                             doctest::Contains("gradcheck: the output does not depend on any input"), ShapeError);
    }
    SUBCASE("tolerances decide: a tiny planted error passes a loose check and fails a strict one") {
        auto fn = [](const std::vector<Tensor>& in) {
            return copy_with_backward(in[0], [](const float* dy, float* gx, int64_t n, const Shape&) {
                for (int64_t i = 0; i < n; ++i) gx[i] += 1.05f * dy[i];   // 5% too large
            });
        };
        GradcheckOptions loose;
        loose.rtol = 0.1;
        loose.atol = 0.2;
        CHECK(gradcheck(fn, {x}, loose).ok);
        GradcheckOptions strict;
        strict.rtol = 1e-3;
        strict.atol = 1e-4;
        CHECK(!gradcheck(fn, {x}, strict).ok);
    }
    SUBCASE("an input the output ignores gets a zero gradient, which is correct") {
        Tensor unused = Tensor::randn({3}, gen);
        auto r = gradcheck([](const std::vector<Tensor>& in) { return mul(in[0], 3.f); }, {x, unused});
        CHECK(r.ok);
    }
}
