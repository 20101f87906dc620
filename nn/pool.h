// Pooling layers: MaxPool2d, AvgPool2d, GlobalAvgPool2d (= AdaptiveAvgPool2d(1) + flatten: (N,C,H,W)
// -> (N,C)). Thin wrappers of core/ops_pool.cpp; stride 0 means "equal to the kernel", as PyTorch's None.
#pragma once
#include "nn/module.h"

namespace ct::nn {

class MaxPool2d : public Module {
public:
    explicit MaxPool2d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0);
    Tensor forward(const Tensor& x) override;   // (N,C,H,W) -> (N,C,H',W')
    std::string type_name() const override { return "MaxPool2d"; }
    std::string extra_repr() const override;
    int64_t kernel_size, stride, padding;
};

class AvgPool2d : public Module {
public:
    explicit AvgPool2d(int64_t kernel_size, int64_t stride = 0);
    Tensor forward(const Tensor& x) override;   // (N,C,H,W) -> (N,C,H',W')
    std::string type_name() const override { return "AvgPool2d"; }
    std::string extra_repr() const override;
    int64_t kernel_size, stride;
};

class GlobalAvgPool2d : public Module {
public:
    Tensor forward(const Tensor& x) override;   // (N,C,H,W) -> (N,C)
    std::string type_name() const override { return "GlobalAvgPool2d"; }
};

}  // namespace ct::nn
