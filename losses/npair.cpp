// N-pair loss as a cross-entropy over the anchor-positive dot products. See npair.h.
#include "losses/npair.h"

#include <map>

#include "losses/miners.h"
#include "losses/reducer.h"

namespace ct {

Tensor npair_loss(const Tensor& anchors, const Tensor& positives, float l2_reg) {
    CT_CHECK(anchors.defined() && positives.defined() && anchors.dim() == 2 && anchors.shape() == positives.shape() &&
                 anchors.size(0) > 0,
             "npair_loss: anchors " << (anchors.defined() ? anchors.shape() : Shape{}) << " and positives "
                                    << (positives.defined() ? positives.shape() : Shape{})
                                    << " must both be (N,D), N >= 1");
    const int64_t N = anchors.size(0);
    std::vector<int64_t> own(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) own[size_t(i)] = i;
    Tensor loss = cross_entropy(matmul(anchors, positives, false, true), own);   // logits a_i.p_j: (N,N)
    if (l2_reg != 0.f)
        loss = loss + l2_reg * (sum(square(anchors)) + sum(square(positives))) * (1.f / float(N));
    return loss;
}

Tensor npair_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, float l2_reg) {
    check_embeddings_labels("npair_loss", embeddings, labels);
    std::map<int64_t, std::vector<int64_t>> first_two;   // label -> its first two rows
    std::vector<int64_t> order;                           // labels in order of their second sample
    for (int64_t i = 0; i < int64_t(labels.size()); ++i) {
        auto& rows = first_two[labels[size_t(i)]];
        if (rows.size() < 2) {
            rows.push_back(i);
            if (rows.size() == 2) order.push_back(labels[size_t(i)]);
        }
    }
    if (order.empty()) return zero_loss(embeddings);
    std::vector<int64_t> a, p;
    for (int64_t label : order) {
        a.push_back(first_two[label][0]);
        p.push_back(first_two[label][1]);
    }
    return npair_loss(index_select(embeddings, 0, a), index_select(embeddings, 0, p), l2_reg);
}

}  // namespace ct
