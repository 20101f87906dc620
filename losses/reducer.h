// How a vector of per-pair / per-triplet / per-anchor losses becomes one number: the Reduction
// enum and reduce_losses live in core/ops.h (mean, mean over non-zero terms as
// pytorch-metric-learning's AvgNonZeroReducer, sum, none), since cross_entropy needs them too.
// Used by every loss in losses/; the losses themselves live one family per file beside this one.
#pragma once
#include "core/ops.h"

namespace ct {

// A scalar 0 that is still connected to x's graph, so that backward() on a batch where nothing
// was mined gives zero gradients instead of failing (pytorch-metric-learning's zero_loss).
Tensor zero_loss(const Tensor& x);

}  // namespace ct
