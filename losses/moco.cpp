// MoCo's loss: shapes checked under its own name, then InfoNCE with shared negatives; see moco.h.
#include "losses/moco.h"

#include "losses/nt_xent.h"

namespace ct {

Tensor moco_loss(const Tensor& q, const Tensor& k, const Tensor& queue, float temperature) {
    auto shape_of = [](const Tensor& t) { return t.defined() ? t.shape() : Shape{}; };
    CT_CHECK(q.defined() && k.defined() && queue.defined() && q.dim() == 2 && q.shape() == k.shape() &&
                 queue.dim() == 2 && queue.size(1) == q.size(1) && queue.size(0) >= 1,
             "moco_loss: q " << shape_of(q) << ", k " << shape_of(k) << " and queue " << shape_of(queue)
                             << " must be (N,D), (N,D) and (K,D) with K >= 1");
    CT_CHECK_AS(ValueError, temperature > 0.f, "moco_loss: temperature must be > 0, got " << temperature);
    return info_nce(q, k.detach(), queue.detach(), temperature);
}

}  // namespace ct
