// zero_loss (see reducer.h); the reductions themselves are core's reduce_losses.
#include "losses/reducer.h"

namespace ct {

Tensor zero_loss(const Tensor& x) { return mul(sum(x), 0.f); }

}  // namespace ct
