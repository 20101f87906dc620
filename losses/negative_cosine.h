// Regression of a prediction onto a stopped target, the loss of the negative-free methods that
// keep a predictor: SimSiam (Chen & He 2021) and BYOL (Grill et al. 2020). With p the predictor's
// output and z the other view's projection (BYOL: the momentum target's), sg the stop-gradient:
//     D(p, z)     = -cos(p, sg(z))                              (SimSiam's negative cosine)
//     SimSiam     = D(p1, z2) / 2 + D(p2, z1) / 2
//     BYOL        = |p1/|p1| - sg(z2)/|z2||^2 + |p2/|p2| - sg(z1)/|z1||^2 = (2 - 2cos(p1, z2)) + (2 - 2cos(p2, z1))
// each term a mean over the batch. The targets are detached here, so a caller cannot forget the
// stop-gradient that keeps these methods from collapsing. Contrastive losses are in nt_xent.h.
#pragma once
#include "core/ops.h"

namespace ct {

// p, z:(N,D) -> (): mean_i -cos(p_i, z_i), no gradient to z.
Tensor negative_cosine(const Tensor& p, const Tensor& z);
// p1, p2, z1, z2:(N,D), view 1 and view 2 of N images -> (): D(p1, z2)/2 + D(p2, z1)/2.
Tensor simsiam_loss(const Tensor& p1, const Tensor& p2, const Tensor& z1, const Tensor& z2);
// p, z:(N,D) -> (): BYOL's normalized regression, mean_i 2 - 2cos(p_i, z_i), no gradient to z.
Tensor normalized_regression(const Tensor& p, const Tensor& z);
// p1, p2 online predictions, z1, z2 target projections, all (N,D) -> ():
// normalized_regression(p1, z2) + normalized_regression(p2, z1).
Tensor byol_loss(const Tensor& p1, const Tensor& p2, const Tensor& z1, const Tensor& z2);

}  // namespace ct
