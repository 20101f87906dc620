// Triplet margin loss on explicit and mined triplets, composed from core ops. See triplet.h.
#include "losses/triplet.h"

namespace ct {

namespace {
// ap, an (and pn for swap): (T) values of the distance or similarity -> per-triplet losses (T)
Tensor triplet_terms(Tensor ap, Tensor an, const Tensor& pn, const TripletOptions& o) {
    // swap: the harder of the two negative comparisons, min distance (max similarity)
    if (o.swap) an = o.distance.is_similarity() ? maximum(an, pn) : minimum(an, pn);
    const Tensor violation = o.distance.margin(ap, an);   // d(a,p) - d(a,n)   [s(a,n) - s(a,p)]
    return o.soft_margin ? softplus(violation) : relu(violation + o.margin);
}

void check_options(const char* op, const TripletOptions& o) {
    CT_CHECK(o.soft_margin || o.margin >= 0.f, op << ": margin must be >= 0, got " << o.margin);
}
}  // namespace

Tensor triplet_margin_loss(const Tensor& a, const Tensor& p, const Tensor& n, const TripletOptions& o) {
    CT_CHECK(a.defined() && p.defined() && n.defined() && a.dim() == 2 && p.shape() == a.shape() &&
                 n.shape() == a.shape(),
             "triplet_margin_loss: anchor " << (a.defined() ? a.shape() : Shape{}) << ", positive "
                                            << (p.defined() ? p.shape() : Shape{}) << " and negative "
                                            << (n.defined() ? n.shape() : Shape{}) << " must all be (N,D)");
    check_options("triplet_margin_loss", o);
    const Tensor pn = o.swap ? o.distance.paired(p, n) : Tensor();
    return reduce_losses(triplet_terms(o.distance.paired(a, p), o.distance.paired(a, n), pn, o), o.reducer);
}

Tensor triplet_margin_loss(const Tensor& embeddings, const TripletIndices& t, const TripletOptions& o) {
    CT_CHECK(embeddings.defined() && embeddings.dim() == 2,
             "triplet_margin_loss: embeddings must be (N,D), got "
                 << (embeddings.defined() ? embeddings.shape() : Shape{}));
    CT_CHECK(t.positives.size() == t.anchors.size() && t.negatives.size() == t.anchors.size(),
             "triplet_margin_loss: triplet index lists differ in length (" << t.anchors.size() << ", "
                                                                          << t.positives.size() << ", "
                                                                          << t.negatives.size() << ")");
    check_options("triplet_margin_loss", o);
    if (t.size() == 0) return zero_loss(embeddings);
    const Tensor m = o.distance.matrix(embeddings);   // (N,N), one GEMM
    const Tensor pn = o.swap ? matrix_entries(m, t.positives, t.negatives) : Tensor();
    return reduce_losses(triplet_terms(matrix_entries(m, t.anchors, t.positives),
                                       matrix_entries(m, t.anchors, t.negatives), pn, o),
                         o.reducer);
}

Tensor batch_hard_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                               const TripletOptions& o) {
    check_embeddings_labels("batch_hard_triplet_loss", embeddings, labels);
    return triplet_margin_loss(embeddings, batch_hard_miner(embeddings, labels, o.distance, o.margin).triplets, o);
}

Tensor batch_all_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                              const TripletOptions& options) {
    check_embeddings_labels("batch_all_triplet_loss", embeddings, labels);
    TripletOptions o = options;
    o.reducer = Reduction::MeanNonZero;
    return triplet_margin_loss(embeddings, all_triplets(labels), o);
}

}  // namespace ct
