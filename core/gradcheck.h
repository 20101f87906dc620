// Finite-difference gradient check, used by the tests for every op and every loss.
// The output y = fn(inputs) is projected on a fixed random tensor r (L = sum y*r, summed in
// double): a plain sum would hide transposed or permuted gradients.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

struct GradcheckOptions {
    double eps = 1e-2;    // central-difference step; float32 forward noise limits how small it can be
    double atol = 1e-3;
    double rtol = 1e-2;   // |analytic - numeric| <= atol + rtol * |numeric| per element
    uint64_t seed = 1234;
};

struct GradcheckResult {
    bool ok = true;
    double max_abs_error = 0;   // the worst element over all inputs
    std::string worst;          // "input 1 [3]: analytic 0.25 numeric 0.2501"
    std::string message() const;
};

// inputs are copied (as leaves requiring a gradient); fn must be a pure function of them.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace ct
