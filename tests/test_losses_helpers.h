// Shared by tests/test_losses_*.cpp: the independent double-precision reference computations
// (plain loops over the formulas, never calling losses/), seeded inputs and a gradcheck wrapper.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/random.h"

namespace ct_test {

using Row = std::vector<double>;
using Mat = std::vector<Row>;

inline Mat rows_of(const ct::Tensor& t) {   // (N,D) -> N rows of doubles
    Mat m(size_t(t.size(0)), Row(size_t(t.size(1))));
    for (int64_t i = 0; i < t.size(0); ++i)
        for (int64_t j = 0; j < t.size(1); ++j) m[size_t(i)][size_t(j)] = t.data()[i * t.size(1) + j];
    return m;
}
inline double log_sum_exp(const Row& v) {   // with the maximum taken out
    double m = -1e300;
    for (double x : v) m = std::max(m, x);
    double s = 0;
    for (double x : v) s += std::exp(x - m);
    return m + std::log(s);
}
inline double dot(const Row& a, const Row& b) {
    double s = 0;
    for (size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
    return s;
}
inline double sq_dist(const Row& a, const Row& b) {
    double s = 0;
    for (size_t k = 0; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}
inline double dist(const Row& a, const Row& b) { return std::sqrt(sq_dist(a, b)); }
inline Row unit(const Row& a) {
    const double n = std::max(std::sqrt(dot(a, a)), 1e-12);
    Row u(a);
    for (double& v : u) v /= n;
    return u;
}
inline Mat unit_rows(const Mat& m) {
    Mat u;
    for (const Row& r : m) u.push_back(unit(r));
    return u;
}
inline double cosine(const Row& a, const Row& b) { return dot(unit(a), unit(b)); }
inline double relu(double x) { return x > 0 ? x : 0; }
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

inline ct::Tensor randn(const ct::Shape& shape, uint64_t seed) {
    ct::Generator gen(seed);
    return ct::Tensor::randn(shape, gen);
}
inline std::vector<int64_t> random_labels(int64_t n, int64_t classes, uint64_t seed) {
    ct::Generator gen(seed);
    std::vector<int64_t> labels(static_cast<size_t>(n));
    for (auto& l : labels) l = gen.randint(classes);
    return labels;
}

// Runs ct::gradcheck and reports the worst element on failure.
inline void check_gradients(const std::function<ct::Tensor(const std::vector<ct::Tensor>&)>& fn,
                            const std::vector<ct::Tensor>& inputs, ct::GradcheckOptions options = {}) {
    const ct::GradcheckResult r = ct::gradcheck(fn, inputs, options);
    INFO(r.message());
    CHECK(r.ok);
}

inline bool all_finite(const ct::Tensor& t) {
    for (float v : t.to_vector())
        if (!std::isfinite(v)) return false;
    return true;
}

}  // namespace ct_test
