// k-means and NMI; see clustering.h. Distances to all centroids come from one GEMM per iteration
// (|x|^2 + |c|^2 - 2 x.c), so 10k points x 10 clusters x 64 dims takes milliseconds per iteration.
#include "apps/lib/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/blas.h"

namespace ct {

namespace {

double squared_distance(const float* a, const float* b, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += (double(a[j]) - b[j]) * (double(a[j]) - b[j]);
    return s;
}

// k-means++: the first centre uniformly, each next one with probability proportional to the
// squared distance to the nearest centre chosen so far.
std::vector<float> seed_plus_plus(const float* x, int64_t n, int64_t d, int64_t k, Generator& gen) {
    std::vector<float> c(size_t(k * d));
    std::vector<double> nearest(size_t(n), std::numeric_limits<double>::infinity());
    int64_t pick = gen.randint(n);
    for (int64_t m = 0; m < k; ++m) {
        std::copy(x + pick * d, x + (pick + 1) * d, c.begin() + m * d);
        double total = 0;
        for (int64_t i = 0; i < n; ++i) {
            nearest[size_t(i)] = std::min(nearest[size_t(i)], squared_distance(x + i * d, c.data() + m * d, d));
            total += nearest[size_t(i)];
        }
        if (m + 1 == k) break;
        if (total <= 0) {   // fewer distinct points than k: any point will do
            pick = gen.randint(n);
            continue;
        }
        double u = double(gen.uniform()) * total;
        pick = n - 1;
        for (int64_t i = 0; i < n; ++i) {
            u -= nearest[size_t(i)];
            if (u < 0) {
                pick = i;
                break;
            }
        }
    }
    return c;
}

double entropy(const std::map<int64_t, int64_t>& counts, double n) {
    double h = 0;
    for (const auto& kv : counts) h -= kv.second / n * std::log(kv.second / n);
    return h;
}

}  // namespace

KMeansResult kmeans(const Tensor& x, int64_t k, Generator& gen, int64_t max_iter) {
    CT_CHECK(x.dim() == 2 && x.size(0) > 0, "kmeans: x " << x.shape() << " must be (N,D) with N > 0");
    const int64_t n = x.size(0), d = x.size(1);
    CT_CHECK(k >= 1 && k <= n, "kmeans: k = " << k << " must be in [1, N = " << n << "]");
    const float* px = x.data();
    std::vector<float> c = seed_plus_plus(px, n, d, k, gen);
    std::vector<double> xnorm(size_t(n), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) xnorm[size_t(i)] += double(px[i * d + j]) * px[i * d + j];

    KMeansResult r;
    r.assignment.assign(size_t(n), -1);
    std::vector<float> dot(size_t(n * k));
    std::vector<double> best(static_cast<size_t>(n));
    for (r.iterations = 1; r.iterations <= max_iter; ++r.iterations) {
        gemm(NoTrans, Trans, n, k, d, px, c.data(), 0.f, dot.data());   // dot(N,k) = x c^T
        std::vector<double> cnorm(size_t(k), 0.0);
        for (int64_t m = 0; m < k; ++m)
            for (int64_t j = 0; j < d; ++j) cnorm[size_t(m)] += double(c[m * d + j]) * c[m * d + j];
        bool changed = false;
        for (int64_t i = 0; i < n; ++i) {
            int64_t arg = 0;
            double lo = std::numeric_limits<double>::infinity();
            for (int64_t m = 0; m < k; ++m) {
                const double dist = xnorm[size_t(i)] + cnorm[size_t(m)] - 2.0 * dot[size_t(i * k + m)];
                if (dist < lo) lo = dist, arg = m;
            }
            best[size_t(i)] = std::max(lo, 0.0);
            changed |= r.assignment[size_t(i)] != arg;
            r.assignment[size_t(i)] = arg;
        }
        if (!changed) break;
        std::vector<double> sum(size_t(k * d), 0.0);
        std::vector<int64_t> count(size_t(k), 0);
        for (int64_t i = 0; i < n; ++i) {
            const int64_t m = r.assignment[size_t(i)];
            ++count[size_t(m)];
            for (int64_t j = 0; j < d; ++j) sum[size_t(m * d + j)] += px[i * d + j];
        }
        for (int64_t m = 0; m < k; ++m) {
            if (count[size_t(m)] == 0) {   // re-seed at the worst-served point, and make it stay there
                const int64_t far = std::max_element(best.begin(), best.end()) - best.begin();
                std::copy(px + far * d, px + (far + 1) * d, c.begin() + m * d);
                best[size_t(far)] = 0;
                continue;
            }
            for (int64_t j = 0; j < d; ++j) c[size_t(m * d + j)] = float(sum[size_t(m * d + j)] / count[size_t(m)]);
        }
    }
    r.iterations = std::min(r.iterations, max_iter);
    r.inertia = 0;
    for (int64_t i = 0; i < n; ++i)
        r.inertia += squared_distance(px + i * d, c.data() + r.assignment[size_t(i)] * d, d);
    r.centroids = Tensor::from_vector(c, {k, d});
    return r;
}

double normalized_mutual_info(const std::vector<int64_t>& labels_true, const std::vector<int64_t>& labels_pred) {
    CT_CHECK(labels_true.size() == labels_pred.size() && !labels_true.empty(),
             "normalized_mutual_info: " << labels_true.size() << " true and " << labels_pred.size()
                                        << " predicted labels; need the same non-zero number");
    const double n = double(labels_true.size());
    std::map<int64_t, int64_t> cu, cv;
    std::map<std::pair<int64_t, int64_t>, int64_t> joint;
    for (size_t i = 0; i < labels_true.size(); ++i) {
        ++cu[labels_true[i]];
        ++cv[labels_pred[i]];
        ++joint[{labels_true[i], labels_pred[i]}];
    }
    if (cu.size() == 1 && cv.size() == 1) return 1.0;   // identical trivial labelings
    // I(U;V) = sum_uv p(u,v) log(p(u,v) / (p(u) p(v)))
    double mi = 0;
    for (const auto& kv : joint) {
        const double puv = kv.second / n;
        mi += puv * std::log(kv.second * n / (double(cu[kv.first.first]) * double(cv[kv.first.second])));
    }
    const double norm = 0.5 * (entropy(cu, n) + entropy(cv, n));
    return norm > 0 ? std::max(0.0, mi) / norm : 0.0;
}

double kmeans_nmi(const Tensor& x, const std::vector<int64_t>& labels, Generator& gen) {
    CT_CHECK(x.dim() == 2 && int64_t(labels.size()) == x.size(0),
             "kmeans_nmi: x " << x.shape() << " and " << labels.size() << " labels must have one label per row");
    std::vector<int64_t> classes(labels);
    std::sort(classes.begin(), classes.end());
    const int64_t k = std::unique(classes.begin(), classes.end()) - classes.begin();
    return normalized_mutual_info(labels, kmeans(x, k, gen).assignment);
}

}  // namespace ct
