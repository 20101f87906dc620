// Proxy Anchor composed from normalize, matmul, masked_fill and logsumexp. See proxy_anchor.h.
#include "losses/proxy_anchor.h"

#include <limits>

#include "losses/proxies.h"

namespace ct {
namespace {
// z, mask:(N,C) -> (C): log(1 + sum_{i: mask_ic} exp(z_ic)) per column, as pml's logsumexp with
// add_one: a row of zeros stands for the 1, and the entries outside the mask become -inf (exp 0,
// no gradient). A column with an empty mask gives log 1 = 0.
Tensor log1p_sum_exp_columns(const Tensor& z, const Tensor& mask) {
    const Tensor kept = masked_fill(z, logical_not(mask), -std::numeric_limits<float>::infinity());
    return logsumexp(cat({kept, Tensor::zeros({1, z.size(1)})}, 0), 0);
}
}  // namespace

Tensor proxy_anchor_loss(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& proxies,
                         const ProxyAnchorOptions& o) {
    detail::check_proxy_inputs("proxy_anchor_loss", x, labels, proxies);
    CT_CHECK_AS(ValueError, o.alpha > 0.f, "proxy_anchor_loss: alpha must be > 0, got " << o.alpha);
    const int64_t C = proxies.size(0);
    const Tensor positive = detail::one_hot(labels, C);                        // (N,C)
    const Tensor s = matmul(normalize(x, 1), normalize(proxies, 1), false, true);   // (N,C) cosines
    const Tensor pos = log1p_sum_exp_columns((o.delta - s) * o.alpha, positive);          // (C)
    const Tensor neg = log1p_sum_exp_columns((s + o.delta) * o.alpha, logical_not(positive));   // (C)
    int64_t with_positives = 0;   // |P+|: proxies with a positive in the batch (the others' terms are 0)
    for (float v : sum(positive, 0).to_vector()) with_positives += v > 0.f;
    return sum(pos) * (1.f / float(with_positives)) + sum(neg) * (1.f / float(C));
}

}  // namespace ct
