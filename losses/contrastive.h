// Contrastive (pair) losses, two conventions side by side:
//  * Hadsell et al. 2006 (after Chopra 2005) on explicit pairs (x1, x2, y), y = 1 similar, 0 not:
//      L = y * 1/2 d^2 + (1 - y) * 1/2 max(0, m - d)^2       (half = true, the paper's form, default)
//      L = y * d^2     + (1 - y) * max(0, m - d)^2           (half = false, W1 of docs/REFERENCE.md)
//    d is the Euclidean distance; the mean (or another reducer) over pairs.
//  * pytorch-metric-learning's ContrastiveLoss on embeddings + labels (all pairs or mined pairs):
//      positives relu(d - pos_margin), negatives relu(neg_margin - d), each part reduced over its
//      non-zero terms, then the two parts summed. With a similarity (cosine) the margins' roles
//      reverse: positives relu(pos_margin - s), negatives relu(s - neg_margin).
#pragma once
#include <vector>

#include "losses/miners.h"
#include "losses/reducer.h"

namespace ct {

struct ContrastiveOptions {
    float margin = 1.f;
    bool half = true;                   // the 1/2 factors of Hadsell et al.; false for W1's form
    bool normalize_embeddings = false;  // L2-normalise x1, x2 first
    Reduction reducer = Reduction::Mean;
};

// x1, x2:(N,D), y:(N) with values 0 or 1 -> () (or (N) with Reduction::None)
Tensor contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& y,
                        const ContrastiveOptions& options = {});

struct PmlContrastiveOptions {
    float pos_margin = 0.f;   // for cosine use e.g. pos_margin 1, neg_margin 0
    float neg_margin = 1.f;
    Distance distance = Distance::euclidean();   // normalised, as pytorch-metric-learning
    Reduction reducer = Reduction::MeanNonZero;      // applied to each part separately
};

// embeddings:(N,D), labels:N, pairs from all_pairs() or a miner -> ()
Tensor contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels,
                            const PairIndices& pairs, const PmlContrastiveOptions& options = {});
// The same over every pair of the batch.
Tensor contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels,
                            const PmlContrastiveOptions& options = {});

}  // namespace ct
