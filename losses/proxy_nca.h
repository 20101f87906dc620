// ProxyNCA (Movshovitz-Attias et al., ICCV 2017), as pytorch-metric-learning's ProxyNCALoss: with
// x^ and p^ the L2-normalised embedding and proxies and s the softmax scale,
//     L = mean_i -log( exp(-s |x^_i - p^_{y_i}|^2) / sum_c exp(-s |x^_i - p^_c|^2) )
// i.e. the cross-entropy of the negative scaled squared distances to every proxy. pml keeps the
// positive proxy in the denominator (the paper leaves it out) and uses s = 1; so do we. pml drops
// the terms whose softmax underflows to 0; the log-softmax here never underflows, so none are.
#pragma once
#include <vector>

#include "core/ops.h"

namespace ct {

struct ProxyNCAOptions {
    float softmax_scale = 1.f;
};

// embeddings:(N,D), labels:N in [0, C), proxies:(C,D) -> ()
Tensor proxy_nca_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const Tensor& proxies,
                      const ProxyNCAOptions& options = {});

}  // namespace ct
