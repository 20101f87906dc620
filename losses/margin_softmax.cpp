// ArcFace and CosFace composed from normalize, matmul, gather, where and cross_entropy. See
// margin_softmax.h.
#include "losses/margin_softmax.h"

#include <cmath>

#include "losses/proxies.h"

namespace ct {
namespace {
// x:(N,D), w:(C,D) -> (N,C): the cosine of every embedding with every class weight.
Tensor cosines(const Tensor& x, const Tensor& w) { return matmul(normalize(x, 1), normalize(w, 1), false, true); }

// cos:(N,C), target:(N,1) the true class's modified cosine -> () the cross-entropy of s * logits.
Tensor margin_cross_entropy(const Tensor& cos, const Tensor& target, const std::vector<int64_t>& labels, float s) {
    const Tensor logits = where(detail::one_hot(labels, cos.size(1)), target, cos);   // target broadcast on its row
    return cross_entropy(logits * s, labels);
}
}  // namespace

Tensor arcface_loss(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& w, const ArcFaceOptions& o) {
    detail::check_proxy_inputs("arcface_loss", x, labels, w);
    CT_CHECK_AS(ValueError, o.scale > 0.f && o.margin >= 0.f && o.margin < float(M_PI / 2),
                "arcface_loss: scale must be > 0 and margin in [0, pi/2) radians, got scale " << o.scale << " margin "
                                                                                             << o.margin);
    const Tensor cos = cosines(x, w);
    const Tensor c = gather(cos, 1, labels);   // (N,1) cos theta of the true class
    // sin theta >= 0 on [0, pi]; the clamp keeps sqrt's slope finite when cos = +-1 (gradient 0 there)
    const Tensor sin = sqrt(clamp_min(1.f - square(c), 1e-7f));
    const float cos_m = std::cos(o.margin), sin_m = std::sin(o.margin);
    const Tensor shifted = c * cos_m - sin * sin_m;                       // cos(theta + m)
    const float threshold = std::cos(float(M_PI) - o.margin);            // theta = pi - m
    const Tensor target = where(gt(c, threshold), shifted, c - o.margin * sin_m);
    return margin_cross_entropy(cos, target, labels, o.scale);
}

Tensor cosface_loss(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& w, const CosFaceOptions& o) {
    detail::check_proxy_inputs("cosface_loss", x, labels, w);
    CT_CHECK_AS(ValueError, o.scale > 0.f && o.margin >= 0.f,
                "cosface_loss: scale must be > 0 and margin >= 0, got scale " << o.scale << " margin " << o.margin);
    const Tensor cos = cosines(x, w);
    return margin_cross_entropy(cos, gather(cos, 1, labels) - o.margin, labels, o.scale);
}

}  // namespace ct
