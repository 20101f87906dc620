// Checks shared by the op test files: values against expected numbers, a gradient check that
// prints gradcheck's report (the worst element) when it fails, and a scoped environment variable.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
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

inline void check_grad(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& in,
                       const GradcheckOptions& options = {}) {
    const GradcheckResult r = gradcheck(fn, in, options);
    INFO(r.message());
    CHECK(r.ok);
}

// Sets an environment variable for a scope and restores the old value (or its absence) after,
// e.g. CONTRAST_CONV to force one conv2d path; nullptr unsets it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) setenv(name, value, 1); else unsetenv(name);
    }
    ~ScopedEnv() { if (old_) setenv(name_.c_str(), old_->c_str(), 1); else unsetenv(name_.c_str()); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace ct::test
