// Distances and similarities, composed from core ops (no hand-written backward). See distance.h.
#include "losses/distance.h"

namespace ct {

namespace {
void check_matrix_args(const char* op, const Tensor& a, const Tensor& b) {
    CT_CHECK(a.defined() && b.defined() && a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1),
             op << ": a " << (a.defined() ? a.shape() : Shape{}) << " and b "
                << (b.defined() ? b.shape() : Shape{}) << " must be (N,D) and (M,D)");
}
void check_paired_args(const char* op, const Tensor& a, const Tensor& b) {
    CT_CHECK(a.defined() && b.defined() && a.dim() == 2 && a.shape() == b.shape(),
             op << ": a " << (a.defined() ? a.shape() : Shape{}) << " and b "
                << (b.defined() ? b.shape() : Shape{}) << " must both be (N,D)");
}
}  // namespace

Tensor matrix_entries(const Tensor& m, const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
    CT_CHECK(m.defined() && m.dim() == 2, "matrix_entries: m must be a matrix, got "
                                              << (m.defined() ? m.shape() : Shape{}));
    CT_CHECK(rows.size() == cols.size(),
             "matrix_entries: " << rows.size() << " row indices but " << cols.size() << " column indices");
    const int64_t C = m.size(1);
    std::vector<int64_t> flat(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
        CT_CHECK(rows[k] >= 0 && rows[k] < m.size(0) && cols[k] >= 0 && cols[k] < C,
                 "matrix_entries: index (" << rows[k] << ", " << cols[k] << ") out of range for " << m.shape());
        flat[k] = rows[k] * C + cols[k];
    }
    // index_select on the flattened matrix: the backward scatters into just these entries.
    return index_select(reshape(m, {-1}), 0, flat);
}

Tensor sqrt_zero_safe(const Tensor& squared) {
    // where() sends an exact 0 gradient to the side it did not pick, so the sqrt(1) stand-in at
    // the zeros never reaches `squared`: d/dx sqrt(x) = 1/(2 sqrt x) for x > 0, and 0 at x = 0.
    const Tensor positive = gt(squared, 0.f);
    return where(positive, sqrt(where(positive, squared, Tensor::scalar(1.f))), Tensor::scalar(0.f));
}

// ---- pairwise matrices
Tensor squared_euclidean_distance_matrix(const Tensor& a, const Tensor& b) {
    check_matrix_args("squared_euclidean_distance_matrix", a, b);
    return pairwise_sq_dist(a, b);   // |a|^2 + |b|^2 - 2 a b^T: one GEMM
}

Tensor euclidean_distance_matrix(const Tensor& a, const Tensor& b) {
    check_matrix_args("euclidean_distance_matrix", a, b);
    return sqrt_zero_safe(pairwise_sq_dist(a, b));
}

Tensor cosine_similarity_matrix(const Tensor& a, const Tensor& b, float eps) {
    check_matrix_args("cosine_similarity_matrix", a, b);
    return matmul(normalize(a, 1, eps), normalize(b, 1, eps), false, true);   // b^T as a GEMM flag
}

Tensor dot_product_matrix(const Tensor& a, const Tensor& b) {
    check_matrix_args("dot_product_matrix", a, b);
    return matmul(a, b, false, true);
}

// ---- paired rows
Tensor paired_euclidean_distance(const Tensor& a, const Tensor& b) {
    check_paired_args("paired_euclidean_distance", a, b);
    return norm(a - b, 1);   // core's norm has gradient 0 at a zero row
}

Tensor paired_squared_euclidean_distance(const Tensor& a, const Tensor& b) {
    check_paired_args("paired_squared_euclidean_distance", a, b);
    return sum(square(a - b), 1);
}

Tensor paired_cosine_similarity(const Tensor& a, const Tensor& b, float eps) {
    check_paired_args("paired_cosine_similarity", a, b);
    return sum(normalize(a, 1, eps) * normalize(b, 1, eps), 1);
}

Tensor paired_dot_product(const Tensor& a, const Tensor& b) {
    check_paired_args("paired_dot_product", a, b);
    return sum(a * b, 1);
}

// ---- Distance
std::string Distance::name() const {
    std::string n = kind == DistanceKind::Euclidean          ? "euclidean"
                    : kind == DistanceKind::SquaredEuclidean ? "squared_euclidean"
                    : kind == DistanceKind::Cosine           ? "cosine"
                                                             : "dot";
    if (normalize_embeddings && kind != DistanceKind::Cosine) n += " (normalized)";
    return n;
}

Tensor Distance::matrix(const Tensor& a, const Tensor& b) const {
    check_matrix_args("Distance::matrix", a, b);
    const bool self = a.same(b);
    const Tensor x = normalize_embeddings && kind != DistanceKind::Cosine ? normalize(a, 1) : a;
    const Tensor y = self ? x : normalize_embeddings && kind != DistanceKind::Cosine ? normalize(b, 1) : b;
    switch (kind) {
        case DistanceKind::Cosine: return cosine_similarity_matrix(x, y);
        case DistanceKind::Dot: return dot_product_matrix(x, y);
        case DistanceKind::SquaredEuclidean:
        case DistanceKind::Euclidean: {
            Tensor d = kind == DistanceKind::Euclidean ? euclidean_distance_matrix(x, y)
                                                       : squared_euclidean_distance_matrix(x, y);
            return self ? masked_fill(d, Tensor::eye(x.size(0)), 0.f) : d;   // d(x,x) = 0 exactly
        }
    }
    return Tensor();
}

Tensor Distance::paired(const Tensor& a, const Tensor& b) const {
    check_paired_args("Distance::paired", a, b);
    const bool norm_first = normalize_embeddings && kind != DistanceKind::Cosine;
    const Tensor x = norm_first ? normalize(a, 1) : a, y = norm_first ? normalize(b, 1) : b;
    switch (kind) {
        case DistanceKind::Cosine: return paired_cosine_similarity(x, y);
        case DistanceKind::Dot: return paired_dot_product(x, y);
        case DistanceKind::SquaredEuclidean: return paired_squared_euclidean_distance(x, y);
        case DistanceKind::Euclidean: return paired_euclidean_distance(x, y);
    }
    return Tensor();
}

}  // namespace ct
