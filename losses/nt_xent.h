// NT-Xent (SimCLR, Chen et al. 2020) and the general InfoNCE (van den Oord 2018). Both are a
// cross-entropy over cosine similarities divided by a temperature, built on one GEMM and core's
// max-shifted log-softmax (never a loop over pairs). SupCon, the labelled generalisation, is in
// supcon.h; bench/bench_losses.cpp times NT-Xent against the raw sgemm.
#pragma once
#include "core/ops.h"

namespace ct {

// z1, z2:(N,D), row i of z1 and row i of z2 are two views of one image -> ().
// z = normalize([z1; z2]) (2N,D); logits = z z^T / temperature with the diagonal (self-similarity)
// masked to -inf, not deleted; the target of anchor i is its partner view (i + N mod 2N); the mean
// over all 2N anchors. N is taken from the tensors, so a short final batch works.
// The loss core is fused (one GEMM forward, one backward; see nt_xent.cpp for why).
Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, float temperature = 0.5f);
// The same composed from core ops, the readable reference the fused version is tested against.
Tensor nt_xent_loss_composed(const Tensor& z1, const Tensor& z2, float temperature = 0.5f);

// query:(N,D), positive_key:(N,D) -> (), cosine similarities / temperature, target = the positive:
//  * negative_keys undefined: the other rows' positive keys are the negatives (logits q p^T);
//  * negative_keys:(M,D): shared negatives for every query (logits [q.p, q n^T]);
//  * negative_keys:(N,M,D): each query's own M negatives.
Tensor info_nce(const Tensor& query, const Tensor& positive_key, const Tensor& negative_keys = Tensor(),
                float temperature = 0.1f);

}  // namespace ct
