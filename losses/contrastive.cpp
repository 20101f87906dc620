// Contrastive losses, Hadsell form and pytorch-metric-learning form, composed from core ops.
// See contrastive.h for the formulas.
#include "losses/contrastive.h"

namespace ct {

Tensor contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, const ContrastiveOptions& o) {
    CT_CHECK(x1.defined() && x2.defined() && x1.dim() == 2 && x1.shape() == x2.shape(),
             "contrastive_loss: x1 " << (x1.defined() ? x1.shape() : Shape{}) << " and x2 "
                                     << (x2.defined() ? x2.shape() : Shape{}) << " must both be (N,D)");
    CT_CHECK(y.defined() && y.shape() == Shape{x1.size(0)},
             "contrastive_loss: y " << (y.defined() ? y.shape() : Shape{}) << " must be (" << x1.size(0)
                                    << ") for x1 " << x1.shape());
    for (float v : y.to_vector())
        CT_CHECK_AS(ValueError, v == 0.f || v == 1.f,
                    "contrastive_loss: y must hold 0 (dissimilar) or 1 (similar), got " << v);
    CT_CHECK(o.margin > 0.f, "contrastive_loss: margin must be > 0, got " << o.margin);
    const Tensor a = o.normalize_embeddings ? normalize(x1, 1) : x1;
    const Tensor b = o.normalize_embeddings ? normalize(x2, 1) : x2;
    // The similar term uses d^2 directly (smooth everywhere); the dissimilar term needs d itself,
    // from core's norm whose gradient is 0 (not NaN) for two identical embeddings.
    const Tensor d2 = paired_squared_euclidean_distance(a, b);
    const Tensor d = paired_euclidean_distance(a, b);
    Tensor losses = y * d2 + (1.f - y) * square(relu(o.margin - d));
    if (o.half) losses = 0.5f * losses;
    return reduce_losses(losses, o.reducer);
}

Tensor contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels, const PairIndices& pairs,
                            const PmlContrastiveOptions& o) {
    check_embeddings_labels("contrastive_loss_pml", embeddings, labels);
    CT_CHECK(pairs.a1.size() == pairs.p.size() && pairs.a2.size() == pairs.n.size(),
             "contrastive_loss_pml: pair index lists differ in length (" << pairs.a1.size() << " vs "
                                                                         << pairs.p.size() << ", " << pairs.a2.size()
                                                                         << " vs " << pairs.n.size() << ")");
    for (size_t k = 0; k < pairs.a1.size(); ++k)
        CT_CHECK(labels[size_t(pairs.a1[k])] == labels[size_t(pairs.p[k])],
                 "contrastive_loss_pml: positive pair (" << pairs.a1[k] << ", " << pairs.p[k]
                                                         << ") has different labels");
    CT_CHECK(o.reducer != Reduction::None,
             "contrastive_loss_pml: reducer none is not supported (the two parts have different lengths)");
    if (pairs.a1.empty() && pairs.a2.empty()) return zero_loss(embeddings);
    const Tensor m = o.distance.matrix(embeddings);   // (N,N)
    Tensor loss;
    if (!pairs.a1.empty())   // positives: relu(d - pos_margin)   [similarity: relu(pos_margin - s)]
        loss = reduce_losses(relu(o.distance.margin(matrix_entries(m, pairs.a1, pairs.p), o.pos_margin)),
                             o.reducer);
    if (!pairs.a2.empty()) {   // negatives: relu(neg_margin - d)   [similarity: relu(s - neg_margin)]
        Tensor neg = reduce_losses(relu(o.distance.margin(o.neg_margin, matrix_entries(m, pairs.a2, pairs.n))),
                                   o.reducer);
        loss = loss.defined() ? loss + neg : neg;
    }
    return loss;
}

Tensor contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels,
                            const PmlContrastiveOptions& options) {
    check_embeddings_labels("contrastive_loss_pml", embeddings, labels);
    return contrastive_loss_pml(embeddings, labels, all_pairs(labels), options);
}

}  // namespace ct
