// Activation layers (ReLU, LeakyReLU, Sigmoid, Tanh): parameter-free wrappers of the core ops, so
// they can sit in a Sequential and show up in a summary. Shape in = shape out.
#pragma once
#include "nn/module.h"

namespace ct::nn {

class ReLU : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public Module {
public:
    explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope(negative_slope) {}
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "LeakyReLU"; }
    std::string extra_repr() const override;
    float negative_slope;
};

class Sigmoid : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Tanh"; }
};

}  // namespace ct::nn
