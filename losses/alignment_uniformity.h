// Alignment and uniformity of embeddings on the hypersphere (Wang & Isola 2020), as metrics of
// a representation and as a loss:
//     align(x, y) = mean_i |x_i - y_i|^alpha                  (positive pairs close; alpha 2)
//     uniform(x)  = log mean_{i<j} exp(-t |x_i - x_j|^2)      (spread over the sphere; t 2)
//     loss        = align(x, y) + lambda * (uniform(x) + uniform(y)) / 2
// The rows are L2-normalised first (normalize = true), as the paper assumes. For a metric, call
// under NoGradGuard and read .item().
#pragma once
#include "core/ops.h"

namespace ct {

// x, y:(N,D) -> ()
Tensor alignment(const Tensor& x, const Tensor& y, float alpha = 2.f, bool normalize = true);
// x:(N,D), N >= 2 -> ()
Tensor uniformity(const Tensor& x, float t = 2.f, bool normalize = true);

struct AlignUniformOptions {
    float alpha = 2.f;
    float t = 2.f;
    float lambda = 1.f;
    bool normalize = true;
};
// x, y:(N,D), two views of N samples -> ()
Tensor align_uniform_loss(const Tensor& x, const Tensor& y, const AlignUniformOptions& options = {});

}  // namespace ct
