// Activation layers: each forwards to its core op (core/ops_elementwise.cpp holds the derivatives).
#include "nn/activations.h"

#include "core/ops.h"

namespace ct::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + std::to_string(negative_slope); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }

}  // namespace ct::nn
