// Weight initialisation: the bounds follow torch.nn.init (see nn/init.h for each formula).
#include "nn/init.h"

#include <cmath>

namespace ct::nn {

Fans compute_fans(const Tensor& w) {
    CT_CHECK(w.defined() && w.dim() >= 2,
             "init: fan in/out needs a weight of rank >= 2, got " << (w.defined() ? w.shape() : Shape{}));
    int64_t receptive = 1;
    for (int64_t d = 2; d < w.dim(); ++d) receptive *= w.size(d);
    return {w.size(1) * receptive, w.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, float lo, float hi, Generator& gen) {
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = gen.uniform(lo, hi);
    return t;
}

Tensor& normal_(Tensor& t, float mean, float stddev, Generator& gen) {
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = gen.normal(mean, stddev);
    return t;
}

Tensor& constant_(Tensor& t, float value) {
    float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = value;
    return t;
}

float leaky_relu_gain(float a) { return std::sqrt(2.f / (1.f + a * a)); }

Tensor& kaiming_uniform_(Tensor& w, Generator& gen, float a) {
    const float bound = leaky_relu_gain(a) * std::sqrt(3.f / float(compute_fans(w).in));
    return uniform_(w, -bound, bound, gen);
}

Tensor& kaiming_normal_(Tensor& w, Generator& gen, float a) {
    return normal_(w, 0.f, leaky_relu_gain(a) / std::sqrt(float(compute_fans(w).in)), gen);
}

Tensor& kaiming_uniform_default(Tensor& w, Generator& gen) { return kaiming_uniform_(w, gen, std::sqrt(5.f)); }

Tensor& bias_uniform_default(Tensor& b, int64_t fan_in, Generator& gen) {
    CT_CHECK(fan_in > 0, "init: bias fan_in must be positive, got " << fan_in);
    const float bound = 1.f / std::sqrt(float(fan_in));
    return uniform_(b, -bound, bound, gen);
}

Tensor& xavier_uniform_(Tensor& w, Generator& gen, float gain) {
    const Fans f = compute_fans(w);
    const float bound = gain * std::sqrt(6.f / float(f.in + f.out));
    return uniform_(w, -bound, bound, gen);
}

Tensor& xavier_normal_(Tensor& w, Generator& gen, float gain) {
    const Fans f = compute_fans(w);
    return normal_(w, 0.f, gain * std::sqrt(2.f / float(f.in + f.out)), gen);
}

}  // namespace ct::nn
