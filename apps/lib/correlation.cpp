// Pearson and Spearman correlations in double, two passes (means first: no cancellation).
#include "apps/lib/correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/check.h"

namespace ct {

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    CT_CHECK_AS(ValueError, x.size() == y.size() && x.size() >= 2,
                "pearson: needs two lists of the same length >= 2, got " << x.size() << " and " << y.size());
    const double n = double(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
    return sxy / std::sqrt(sxx * syy);
}

std::vector<double> average_ranks(const std::vector<double>& x) {
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> rank(x.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double r = (double(i) + double(j)) / 2 + 1;   // positions i..j share their mean rank
        for (size_t k = i; k <= j; ++k) rank[order[k]] = r;
        i = j + 1;
    }
    return rank;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
    CT_CHECK_AS(ValueError, x.size() == y.size() && x.size() >= 2,
                "spearman: needs two lists of the same length >= 2, got " << x.size() << " and " << y.size());
    return pearson(average_ranks(x), average_ranks(y));
}

}  // namespace ct
