// MoCo's loss (He et al. 2020; v2: Chen et al. 2020): InfoNCE of each query q_i against its own
// key k_i (the other view through the momentum encoder) and a queue of K negative keys from
// earlier batches, all L2-normalised, temperature tau (v2: 0.2):
//     L = mean_i -log( exp(q_i.k_i / tau) / (exp(q_i.k_i / tau) + sum_{n=1..K} exp(q_i.queue_n / tau)) )
// Keys and queue get no gradient (they come from the momentum encoder): both are detached here.
// The generic InfoNCE it is built on is in nt_xent.h; the queue itself lives in the CLI's method.
#pragma once
#include "core/ops.h"

namespace ct {

// q, k:(N,D), queue:(K,D) -> ()
Tensor moco_loss(const Tensor& q, const Tensor& k, const Tensor& queue, float temperature = 0.2f);

}  // namespace ct
