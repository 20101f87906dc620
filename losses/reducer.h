// How a vector of per-pair / per-triplet / per-anchor losses becomes one number, as the reducers of
// pytorch-metric-learning (MeanReducer, AvgNonZeroReducer, SumReducer). Used by every loss in
// losses/; the losses themselves live one family per file beside this one.
#pragma once
#include "core/ops.h"

namespace ct {

enum class Reducer {
    Mean,          // mean over all terms
    MeanNonZero,   // mean over the terms > 0 (AvgNonZeroReducer; Hermans' batch-all); 0 if none
    Sum,
    None,          // the terms themselves, unreduced
};

const char* reducer_name(Reducer r);

// losses:(T) -> () (or (T) with Reducer::None). T may be 0 only through zero_loss below.
Tensor reduce_losses(const Tensor& losses, Reducer reducer);

// A scalar 0 that is still connected to x's graph, so that backward() on a batch where nothing
// was mined gives zero gradients instead of failing (pytorch-metric-learning's zero_loss).
Tensor zero_loss(const Tensor& x);

}  // namespace ct
