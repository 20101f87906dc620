// ProxyNCA composed from normalize, pairwise_sq_dist and cross_entropy. See proxy_nca.h.
#include "losses/proxy_nca.h"

#include "losses/proxies.h"

namespace ct {

Tensor proxy_nca_loss(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& proxies,
                      const ProxyNCAOptions& o) {
    detail::check_proxy_inputs("proxy_nca_loss", x, labels, proxies);
    CT_CHECK_AS(ValueError, o.softmax_scale > 0.f, "proxy_nca_loss: softmax_scale must be > 0, got " << o.softmax_scale);
    const Tensor d2 = pairwise_sq_dist(normalize(x, 1), normalize(proxies, 1));   // (N,C)
    return cross_entropy(d2 * -o.softmax_scale, labels);
}

}  // namespace ct
