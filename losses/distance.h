// Distances and similarities between embeddings, as pairwise matrices (N,M) and as paired rows (N):
// Euclidean (non-squared, zero-safe gradient), squared Euclidean (one GEMM; entries near 0 from
// exact differences, so identical rows are exactly 0 apart), cosine similarity and
// dot product, with pytorch-metric-learning's `normalize_embeddings` option. Miners (miners.h) and
// every loss in losses/ take a Distance; the GEMM itself is core's pairwise_sq_dist / matmul.
#pragma once
#include <string>
#include <vector>

#include "core/ops.h"

namespace ct {

// ---- pairwise matrices: a:(N,D) b:(M,D) -> (N,M)
Tensor euclidean_distance_matrix(const Tensor& a, const Tensor& b);           // |a_i - b_j|
Tensor squared_euclidean_distance_matrix(const Tensor& a, const Tensor& b);   // |a_i - b_j|^2
Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b, float eps = 1e-12f);
Tensor dot_product_matrix(const Tensor& a, const Tensor& b);                  // a_i . b_j

// ---- paired rows: a:(N,D) b:(N,D) -> (N)
Tensor paired_euclidean_distance(const Tensor& a, const Tensor& b);
Tensor paired_squared_euclidean_distance(const Tensor& a, const Tensor& b);
Tensor paired_cosine_similarity(const Tensor& a, const Tensor& b, float eps = 1e-12f);
Tensor paired_dot_product(const Tensor& a, const Tensor& b);

// The entries (rows[k], cols[k]) of a matrix m:(R,C) as a vector (K), with gradient: how the mined
// losses pick pairs and triplets out of one distance matrix.
Tensor matrix_entries(const Tensor& m, const std::vector<int64_t>& rows, const std::vector<int64_t>& cols);

// sqrt with gradient 0 where its input is exactly 0 (instead of sqrt's infinite slope there), so a
// pair of identical embeddings gives a finite gradient.   (..) -> (..)
Tensor sqrt_zero_safe(const Tensor& squared);

enum class DistanceKind { Euclidean, SquaredEuclidean, Cosine, Dot };

// A distance as a value, like pytorch-metric-learning's LpDistance / CosineSimilarity /
// DotProductSimilarity. Cosine and Dot are similarities: larger means closer, and losses flip
// their margins for them (see margin()).
struct Distance {
    DistanceKind kind = DistanceKind::Euclidean;
    bool normalize_embeddings = true;   // L2-normalise rows first (pytorch-metric-learning's default)

    static Distance euclidean(bool normalize = true) { return {DistanceKind::Euclidean, normalize}; }
    static Distance squared_euclidean(bool normalize = true) { return {DistanceKind::SquaredEuclidean, normalize}; }
    static Distance cosine() { return {DistanceKind::Cosine, true}; }
    static Distance dot(bool normalize = false) { return {DistanceKind::Dot, normalize}; }

    bool is_similarity() const { return kind == DistanceKind::Cosine || kind == DistanceKind::Dot; }
    std::string name() const;   // "euclidean", "cosine", ... with "(normalized)" when it applies

    // a:(N,D) b:(M,D) -> (N,M). matrix(x, x) has an exact 0 diagonal for distances (and its
    // gradient there is 0): the GEMM form would leave rounding noise of ~1e-7 |x|^2 on it.
    Tensor matrix(const Tensor& a, const Tensor& b) const;
    Tensor matrix(const Tensor& x) const { return matrix(x, x); }
    Tensor paired(const Tensor& a, const Tensor& b) const;   // (N,D),(N,D) -> (N)

    // "How far x is past y in the closer direction": x - y for a distance, y - x for a similarity
    // (pytorch-metric-learning's BaseDistance.margin), so one formula serves both.
    Tensor margin(const Tensor& x, const Tensor& y) const { return is_similarity() ? y - x : x - y; }
    Tensor margin(const Tensor& x, float y) const { return is_similarity() ? y - x : x - y; }
    Tensor margin(float x, const Tensor& y) const { return is_similarity() ? y - x : x - y; }
    // Is distance/similarity value u closer than v?
    bool closer(float u, float v) const { return is_similarity() ? u > v : u < v; }
};

}  // namespace ct
