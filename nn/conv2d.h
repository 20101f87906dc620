// Conv2d: a 2-D convolution layer as torch.nn.Conv2d (square kernel, one stride and padding for
// both axes, no groups or dilation). The op is ct::conv2d (im2col + sgemm) in core/ops_conv.cpp.
#pragma once
#include "core/random.h"
#include "nn/module.h"

namespace ct::nn {

class Conv2d : public Module {
public:
    // weight:(OUT,IN,K,K) and bias:(OUT) ~ U(-1/sqrt(IN*K*K), +), PyTorch's default, drawn in that order.
    Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen, int64_t stride = 1,
           int64_t padding = 0, bool bias = true);
    Tensor forward(const Tensor& x) override;   // x:(N,IN,H,W) -> (N,OUT,H',W')
    // max_pool2d(relu(forward(x)), 2) as ct::conv2d_relu_max_pool2x2 (conv2d without the bias, then
    // relu_max_pool2x2 adding it): what nn::Sequential runs for Conv2d, ReLU, MaxPool2d(2) while a graph
    // is recorded.
    Tensor forward_relu_max_pool2x2(const Tensor& x);
    std::string type_name() const override { return "Conv2d"; }
    std::string extra_repr() const override;

    int64_t in_channels, out_channels, kernel_size, stride, padding;
    Tensor weight, bias;
};

}  // namespace ct::nn
