// k-means (k-means++ seeding, Lloyd iterations) and normalized mutual information, for the NMI
// figure of `contrast eval`: how well do clusters of the embeddings match the classes?
#pragma once
#include <cstdint>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace ct {

struct KMeansResult {
    Tensor centroids;                  // (k,D)
    std::vector<int64_t> assignment;   // (N) cluster of each row
    double inertia = 0;                // sum of squared distances to the assigned centroid
    int64_t iterations = 0;            // Lloyd iterations run
};
// x:(N,D), 1 <= k <= N. Seeds by k-means++ (Arthur & Vassilvitskii 2007) drawn from gen, then
// alternates assignment and mean updates until no assignment changes or max_iter is reached.
// An emptied cluster is re-seeded at the point farthest from its centroid.
KMeansResult kmeans(const Tensor& x, int64_t k, Generator& gen, int64_t max_iter = 100);

// NMI(U, V) = I(U; V) / ((H(U) + H(V)) / 2), natural logs: the arithmetic-mean normalisation that
// is scikit-learn's default. 1 when both labelings put everything in one group (as scikit-learn).
double normalized_mutual_info(const std::vector<int64_t>& labels_true, const std::vector<int64_t>& labels_pred);

// k-means with k = number of distinct labels, then the NMI of its clusters against the labels.
double kmeans_nmi(const Tensor& x, const std::vector<int64_t>& labels, Generator& gen);

}  // namespace ct
