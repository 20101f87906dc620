// Distances and similarities, composed from core ops; the one hand-written backward is
// replace_entries (below), which sets the self matrices' diagonals in one pass. See distance.h.
#include "losses/distance.h"

#include <algorithm>

#include "core/autograd.h"

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

// out = m, except out[flat[k]] = v[k] (distinct flat indices).   m:(N,M) v:(K) -> (N,M)
// Fused, one pass each way: the composed form (masked_fill, then scatter_add) made three more
// passes over N*M, and every self matrix of the losses takes this path (its diagonal). It is
// checked against exact double-loop gradients in tests/test_losses_distance.cpp.
Tensor replace_entries(const Tensor& m, const std::vector<int64_t>& flat, const Tensor& v) {
    Tensor out = Tensor::empty(m.shape());
    std::copy(m.data(), m.data() + m.numel(), out.data());
    for (size_t k = 0; k < flat.size(); ++k) out.data()[flat[k]] = v.data()[k];
    const int64_t numel = m.numel();
    return record("replace_entries", out, {m, v}, [flat, numel](const float* dy, Grads& g) {
        if (float* dm = g.get(0)) {   // dm += dy, except at the replaced entries (restored exactly)
            std::vector<float> kept(flat.size());
            for (size_t k = 0; k < flat.size(); ++k) kept[k] = dm[flat[k]];
            for (int64_t i = 0; i < numel; ++i) dm[i] += dy[i];
            for (size_t k = 0; k < flat.size(); ++k) dm[flat[k]] = kept[k];
        }
        if (float* dv = g.get(1))   // dv_k += dy at flat[k]
            for (size_t k = 0; k < flat.size(); ++k) dv[k] += dy[flat[k]];
    });
}

// |a_i - b_j|^2 for all pairs: the one-GEMM form |a|^2 + |b|^2 - 2 a b^T, except where it is too
// small to trust. Its rounding leaves ~1e-7 (|a|^2 + |b|^2) where the true value is 0 (identical
// rows), which sqrt turns into a distance of ~1e-3 with a 1/(2d) slope. Entries below a bound on
// that rounding are recomputed from exact differences, as torch.cdist does for small inputs:
// usually a handful (a self matrix's diagonal, duplicates), so the GEMM remains the cost.
Tensor sq_dist_exact_near_zero(const Tensor& a, const Tensor& b) {
    const Tensor gemm_form = pairwise_sq_dist(a, b);   // (N,M)
    const int64_t N = a.size(0), M = b.size(0), D = a.size(1);
    // 64 float epsilons of |a|^2 + |b|^2: the GEMM's dot products of D terms round well inside it.
    constexpr float kRounding = 64 * 1.1920928955078125e-07f;
    std::vector<float> na(size_t(N), 0.f), nb(size_t(M), 0.f);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t k = 0; k < D; ++k) na[size_t(i)] += a.data()[i * D + k] * a.data()[i * D + k];
    for (int64_t j = 0; j < M; ++j)
        for (int64_t k = 0; k < D; ++k) nb[size_t(j)] += b.data()[j * D + k] * b.data()[j * D + k];
    std::vector<int64_t> rows, cols, flat;
    const float* g = gemm_form.data();
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < M; ++j)
            if (g[i * M + j] <= kRounding * (na[size_t(i)] + nb[size_t(j)])) {
                rows.push_back(i);
                cols.push_back(j);
                flat.push_back(i * M + j);
            }
    if (rows.empty()) return gemm_form;
    const Tensor exact = sum(square(index_select(a, 0, rows) - index_select(b, 0, cols)), 1);   // (K)
    return replace_entries(gemm_form, flat, exact);
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
    return sq_dist_exact_near_zero(a, b);
}

Tensor euclidean_distance_matrix(const Tensor& a, const Tensor& b) {
    check_matrix_args("euclidean_distance_matrix", a, b);
    return sqrt_zero_safe(sq_dist_exact_near_zero(a, b));   // exact 0 for identical rows: gradient 0
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
        case DistanceKind::Euclidean:   // d(x,x) = 0 exactly: the near-zero entries are exact differences
            return kind == DistanceKind::Euclidean ? euclidean_distance_matrix(x, y)
                                                   : squared_euclidean_distance_matrix(x, y);
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
