// Proxy Anchor loss (Kim et al., CVPR 2020), as pytorch-metric-learning's ProxyAnchorLoss. With
// s(x, p) the cosine similarity of an embedding and a proxy, P+ the classes with at least one
// positive in the batch, X_p+ the embeddings of class p and X_p- the others,
//     L = 1/|P+| sum_{p in P+} log(1 + sum_{x in X_p+} exp(-alpha (s(x,p) - delta)))
//       + 1/|C|  sum_{p in C}  log(1 + sum_{x in X_p-} exp( alpha (s(x,p) + delta)))
// Each proxy is an anchor: the batch pulls its positives in and pushes its negatives away, all
// pairs weighted by their hardness through the log-sum-exp. alpha 32, delta 0.1 (the paper's).
#pragma once
#include <vector>

#include "core/ops.h"

namespace ct {

struct ProxyAnchorOptions {
    float alpha = 32.f;
    float delta = 0.1f;
};

// embeddings:(N,D), labels:N in [0, C), proxies:(C,D) -> ()
Tensor proxy_anchor_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const Tensor& proxies,
                         const ProxyAnchorOptions& options = {});

}  // namespace ct
