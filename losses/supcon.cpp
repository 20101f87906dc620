// Supervised contrastive loss composed from normalize, matmul, log_softmax and where. See supcon.h.
#include "losses/supcon.h"

#include <limits>

#include "losses/reducer.h"

namespace ct {

Tensor supcon_loss(const Tensor& features, const std::vector<int64_t>& labels, const SupConOptions& o) {
    CT_CHECK(features.defined() && features.dim() == 2 && features.size(0) == int64_t(labels.size()),
             "supcon_loss: features " << (features.defined() ? features.shape() : Shape{}) << " must be (M,D) with M = "
                                      << labels.size() << " labels");
    CT_CHECK_AS(ValueError, o.temperature > 0.f && o.base_temperature > 0.f,
                "supcon_loss: temperature " << o.temperature << " and base_temperature " << o.base_temperature
                                            << " must be > 0");
    const int64_t M = features.size(0);
    // Positive mask (constant): same label, not self. Anchors with no positive are left out.
    Tensor positive = Tensor::zeros({M, M});
    std::vector<int64_t> anchors;
    std::vector<float> inv_count;
    for (int64_t i = 0; i < M; ++i) {
        int64_t count = 0;
        for (int64_t j = 0; j < M; ++j)
            if (j != i && labels[size_t(i)] == labels[size_t(j)]) {
                positive.data()[i * M + j] = 1.f;
                ++count;
            }
        if (count > 0) {
            anchors.push_back(i);
            inv_count.push_back(1.f / float(count));
        }
    }
    if (anchors.empty()) return zero_loss(features);   // every label distinct: nothing to pull together

    const Tensor z = normalize(features, 1);
    Tensor logits = matmul(z, z, false, true) * (1.f / o.temperature);   // (M,M)
    logits = masked_fill(logits, Tensor::eye(M), -std::numeric_limits<float>::infinity());   // self out
    const Tensor log_prob = log_softmax(logits, 1);                       // max-shifted, stable
    // where(), not mask * log_prob: the -inf diagonal times 0 would be NaN.
    const Tensor pos_sum = sum(where(positive, log_prob, Tensor::scalar(0.f)), 1);   // (M)
    const Tensor mean_log_prob = index_select(pos_sum, 0, anchors) * Tensor::from_vector(inv_count);
    return mean(mean_log_prob) * (-o.temperature / o.base_temperature);
}

Tensor supcon_loss(const std::vector<Tensor>& views, const std::vector<int64_t>& labels, const SupConOptions& o) {
    CT_CHECK(!views.empty(), "supcon_loss: needs at least one view");
    std::vector<int64_t> all_labels;
    for (size_t v = 0; v < views.size(); ++v) {
        CT_CHECK(views[v].defined() && views[v].dim() == 2 && views[v].size(0) == int64_t(labels.size()),
                 "supcon_loss: view " << v << " " << (views[v].defined() ? views[v].shape() : Shape{})
                                      << " must be (N,D) with N = " << labels.size() << " labels");
        all_labels.insert(all_labels.end(), labels.begin(), labels.end());
    }
    return supcon_loss(cat(views, 0), all_labels, o);
}

}  // namespace ct
