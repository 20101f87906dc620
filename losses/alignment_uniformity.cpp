// Alignment and uniformity composed from distances and logsumexp. See alignment_uniformity.h.
#include "losses/alignment_uniformity.h"

#include <cmath>

#include "losses/distance.h"

namespace ct {

Tensor alignment(const Tensor& x, const Tensor& y, float alpha, bool normalize_rows) {
    CT_CHECK(x.defined() && y.defined() && x.dim() == 2 && x.shape() == y.shape(),
             "alignment: x " << (x.defined() ? x.shape() : Shape{}) << " and y "
                             << (y.defined() ? y.shape() : Shape{}) << " must both be (N,D)");
    CT_CHECK_AS(ValueError, alpha > 0.f, "alignment: alpha must be > 0, got " << alpha);
    const Tensor a = normalize_rows ? normalize(x, 1) : x, b = normalize_rows ? normalize(y, 1) : y;
    // alpha = 2 needs no sqrt (smooth at 0); otherwise |.|^alpha on core's zero-safe norm
    if (alpha == 2.f) return mean(paired_squared_euclidean_distance(a, b));
    return mean(pow(paired_euclidean_distance(a, b), alpha));
}

Tensor uniformity(const Tensor& x, float t, bool normalize_rows) {
    CT_CHECK(x.defined() && x.dim() == 2 && x.size(0) >= 2,
             "uniformity: x must be (N,D) with N >= 2, got " << (x.defined() ? x.shape() : Shape{}));
    const int64_t N = x.size(0);
    const Tensor a = normalize_rows ? normalize(x, 1) : x;
    std::vector<int64_t> rows, cols;   // the pairs i < j, as torch.pdist
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = i + 1; j < N; ++j) rows.push_back(i), cols.push_back(j);
    const Tensor d2 = matrix_entries(squared_euclidean_distance_matrix(a, a), rows, cols);   // (N(N-1)/2)
    // log mean exp(-t d2) = logsumexp(-t d2) - log K, max-shifted
    return logsumexp(d2 * (-t), 0) - float(std::log(double(rows.size())));
}

Tensor align_uniform_loss(const Tensor& x, const Tensor& y, const AlignUniformOptions& o) {
    return alignment(x, y, o.alpha, o.normalize) +
           o.lambda * 0.5f * (uniformity(x, o.t, o.normalize) + uniformity(y, o.t, o.normalize));
}

}  // namespace ct
