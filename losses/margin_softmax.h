// Margin softmax losses with one trainable weight vector per class (the class "proxies"), as
// pytorch-metric-learning's ArcFaceLoss and CosFaceLoss. With cos_ic the cosine of embedding i and
// class weight c, s the scale and m the margin, both are the cross-entropy of
//     logits_ic = s * cos_ic for c != y_i,   and for the true class c = y_i:
//     ArcFace (Deng et al. 2019, additive angular margin):  s * cos(theta + m),  theta = acos(cos_iy)
//     CosFace (Wang et al. 2018, additive cosine margin):   s * (cos_iy - m)
// ArcFace uses cos(theta + m) = cos theta cos m - sin theta sin m with sin theta = sqrt(1 - cos^2)
// (clamped away from 0), so no acos with its infinite slope at +-1 is taken. Past theta = pi - m,
// cos(theta + m) would rise again (a wrong answer would be rewarded); there, as InsightFace does,
// the logit becomes cos theta - m sin m (CosFace's form with the margin m sin m), which keeps
// falling with theta: at theta = pi - m it steps down from -1 to -cos m - m sin m (-1.117 for
// m = 0.5), so a worse angle never scores better. pml takes acos directly and has neither guard.
#pragma once
#include <vector>

#include "core/ops.h"

namespace ct {

struct ArcFaceOptions {
    float margin = 0.5f;   // radians (pml's 28.6 degrees)
    float scale = 64.f;
};
struct CosFaceOptions {
    float margin = 0.35f;
    float scale = 64.f;
};

// embeddings:(N,D), labels:N in [0, C), weights:(C,D) -> ()
Tensor arcface_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const Tensor& weights,
                    const ArcFaceOptions& options = {});
Tensor cosface_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const Tensor& weights,
                    const CosFaceOptions& options = {});

}  // namespace ct
