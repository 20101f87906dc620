// Checks shared by the op test files: values against expected numbers, and a gradient check that
// prints gradcheck's report (the worst element) when it fails.
#pragma once
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "core/gradcheck.h"
#include "core/tensor.h"

namespace ct::test {

inline void check_values(const Tensor& t, const std::vector<double>& expected, double eps = 1e-6) {
    REQUIRE(t.numel() == int64_t(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(t.data()[i] == doctest::Approx(expected[i]).epsilon(eps).scale(1.0));
    }
}

inline void check_grad(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& in) {
    const GradcheckResult r = gradcheck(fn, in);
    INFO(r.message());
    CHECK(r.ok);
}

}  // namespace ct::test
