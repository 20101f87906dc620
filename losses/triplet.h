// Triplet margin loss (Weinberger 2009, FaceNet 2015): L = max(0, d(a,p) - d(a,n) + margin), on
// explicit triplets of rows (as torch.nn.TripletMarginLoss) or on mined triplets of a batch
// (batch-hard and batch-all of Hermans et al. 2017). Options: squared or plain distance (pick the
// Distance), swap (Balntas 2016: d(a,n) -> min(d(a,n), d(p,n))), soft margin (softplus(d(a,p) -
// d(a,n)), no margin), reducers. With a similarity: max(0, s(a,n) - s(a,p) + margin).
#pragma once
#include <vector>

#include "losses/miners.h"
#include "losses/reducer.h"

namespace ct {

// Defaults follow torch.nn.TripletMarginLoss: margin 1, plain Euclidean on raw embeddings, mean.
struct TripletOptions {
    float margin = 1.f;
    Distance distance = Distance::euclidean(false);
    bool swap = false;
    bool soft_margin = false;   // softplus(d(a,p) - d(a,n)) instead of the hinge; margin unused
    Reduction reducer = Reduction::Mean;
};

// anchor, positive, negative:(N,D) -> () (or (N) with Reduction::None)
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletOptions& options = {});

// embeddings:(N,D), triplets from a miner or all_triplets() -> (). One distance matrix (N,N) is
// built with autograd; the loss picks its entries. No triplets: a zero connected to the graph.
Tensor triplet_margin_loss(const Tensor& embeddings, const TripletIndices& triplets,
                           const TripletOptions& options = {});

// Batch-hard (Hermans): batch_hard_miner, then the loss above averaged over the kept anchors
// (options.reducer).
Tensor batch_hard_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                               const TripletOptions& options = {});

// Batch-all (Hermans): every valid triplet, averaged over the non-zero losses (that is the
// definition, so options.reducer is not used).
Tensor batch_all_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                              const TripletOptions& options = {});

}  // namespace ct
