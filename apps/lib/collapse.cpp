// Collapse indicators; see collapse.h. Sums run in double: a collapsed batch's spread is a small
// difference of large values.
#include "apps/lib/collapse.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/lib/pca.h"
#include "core/check.h"

namespace ct {

std::vector<double> centred_singular_values(const Tensor& x) {
    CT_CHECK(x.dim() == 2 && x.size(0) >= 2, "centred_singular_values: x " << x.shape() << " must be (N,D) with N >= 2");
    const Pca pca = fit_pca(x, x.size(1));   // every eigenvalue of the covariance, largest first
    std::vector<double> s;
    for (double lambda : pca.explained_variance) s.push_back(std::sqrt(std::max(0.0, lambda) * double(x.size(0) - 1)));
    return s;
}

double effective_rank(const std::vector<double>& singular_values) {
    double total = 0;
    for (double s : singular_values) {
        CT_CHECK(s >= 0, "effective_rank: singular values must be >= 0, got " << s);
        total += s;
    }
    if (total <= 0) return 0.0;
    double entropy = 0;
    for (double s : singular_values)
        if (s > 0) entropy -= s / total * std::log(s / total);
    return std::exp(entropy);
}

double effective_rank(const Tensor& x) {
    CT_CHECK(x.dim() == 2 && x.size(0) >= 2, "effective_rank: x " << x.shape() << " must be (N,D) with N >= 2");
    return effective_rank(centred_singular_values(x));
}

double normalized_std(const Tensor& x) {
    CT_CHECK(x.dim() == 2 && x.size(0) >= 2, "normalized_std: x " << x.shape() << " must be (N,D) with N >= 2");
    const int64_t N = x.size(0), D = x.size(1);
    const float* p = x.data();
    std::vector<double> sum(size_t(D), 0.0), sum_sq(size_t(D), 0.0);
    for (int64_t i = 0; i < N; ++i) {
        double n2 = 0;
        for (int64_t k = 0; k < D; ++k) n2 += double(p[i * D + k]) * p[i * D + k];
        const double inv = n2 > 0 ? 1.0 / std::sqrt(n2) : 0.0;
        for (int64_t k = 0; k < D; ++k) {
            const double v = p[i * D + k] * inv;
            sum[size_t(k)] += v;
            sum_sq[size_t(k)] += v * v;
        }
    }
    double total = 0;
    for (int64_t k = 0; k < D; ++k) {
        const double mean = sum[size_t(k)] / double(N);
        total += std::sqrt(std::max(0.0, sum_sq[size_t(k)] / double(N) - mean * mean));
    }
    return total / double(D);
}

CollapseCheck check_collapse(const Tensor& x, double min_spread) {
    CT_CHECK(x.dim() == 2 && x.size(0) >= 2, "check_collapse: x " << x.shape() << " must be (N,D) with N >= 2");
    const int64_t N = x.size(0), D = x.size(1);
    const float* p = x.data();
    std::vector<double> mean(size_t(D), 0.0);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t k = 0; k < D; ++k) mean[size_t(k)] += p[i * D + k] / double(N);
    double spread2 = 0, length2 = 0;   // sum_i |x_i - mean|^2, sum_i |x_i|^2
    for (int64_t i = 0; i < N; ++i)
        for (int64_t k = 0; k < D; ++k) {
            const double v = p[i * D + k], c = v - mean[size_t(k)];
            spread2 += c * c;
            length2 += v * v;
        }
    CollapseCheck c;
    c.dims = D;
    c.min_spread = min_spread;
    c.spread = length2 > 0 ? std::sqrt(spread2 / length2) : 0.0;
    c.effective_rank = effective_rank(x);
    return c;
}

std::string CollapseCheck::describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "collapsed to nearly %s (centred spread %.2g of the rows' length, effective rank %.2f of %ld)",
                  spread < min_spread ? "one point" : "one direction", spread, effective_rank, long(dims));
    return text;
}

}  // namespace ct
