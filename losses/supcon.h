// Supervised contrastive loss (Khosla et al. 2020), the L_out form: for anchor i with positives
// P(i) (every other sample or view with i's label),
//     L_i = -(temperature / base_temperature) * 1/|P(i)| * sum_{p in P(i)} log softmax_{a != i}(s_ia / tau)[p]
// with s the cosine similarity and i itself excluded from the denominator. Anchors without a
// positive contribute nothing: the mean runs over anchors that have one (pytorch-metric-learning's
// choice; Khosla's reference code instead averages them in as 0). With every label distinct
// except the two views of a sample, it is NT-Xent (nt_xent.h) exactly.
#pragma once
#include <vector>

#include "core/ops.h"

namespace ct {

struct SupConOptions {
    float temperature = 0.07f;
    float base_temperature = 0.07f;   // the loss is scaled by temperature / base_temperature
};

// features:(M,D), labels:M -> ()
Tensor supcon_loss(const Tensor& features, const std::vector<int64_t>& labels, const SupConOptions& options = {});

// views: V tensors (N,D), view v of sample i in row i; labels:N (shared by a sample's views) -> ()
Tensor supcon_loss(const std::vector<Tensor>& views, const std::vector<int64_t>& labels,
                   const SupConOptions& options = {});

}  // namespace ct
