// Weight initialisation as torch.nn.init, always drawing from an explicit seeded generator.
// Layers call kaiming_uniform_default (PyTorch's defaults for Linear and Conv2d); the xavier and
// kaiming variants are for models that ask for them. All fill a tensor in place and return it.
#pragma once
#include "core/random.h"
#include "core/tensor.h"

namespace ct::nn {

// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (weights of rank >= 2).
struct Fans {
    int64_t in, out;
};
Fans compute_fans(const Tensor& w);

Tensor& uniform_(Tensor& t, float lo, float hi, Generator& gen);
Tensor& normal_(Tensor& t, float mean, float stddev, Generator& gen);
Tensor& constant_(Tensor& t, float value);

// PyTorch's Linear/Conv2d default: kaiming_uniform_(a = sqrt(5)), i.e. U(-b, b) with
// b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)) = sqrt(1/3)  ->  b = 1 / sqrt(fan_in).
Tensor& kaiming_uniform_default(Tensor& w, Generator& gen);
// The matching bias default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in of the weight.
Tensor& bias_uniform_default(Tensor& b, int64_t fan_in, Generator& gen);

// gain for leaky_relu with slope a: sqrt(2 / (1 + a^2)); a = 0 is ReLU's sqrt(2).
float leaky_relu_gain(float a);
Tensor& kaiming_uniform_(Tensor& w, Generator& gen, float a = 0.f);   // b = gain * sqrt(3 / fan_in)
Tensor& kaiming_normal_(Tensor& w, Generator& gen, float a = 0.f);    // std = gain / sqrt(fan_in)
Tensor& xavier_uniform_(Tensor& w, Generator& gen, float gain = 1.f); // b = gain * sqrt(6 / (fan_in + fan_out))
Tensor& xavier_normal_(Tensor& w, Generator& gen, float gain = 1.f);  // std = gain * sqrt(2 / (fan_in + fan_out))

}  // namespace ct::nn
