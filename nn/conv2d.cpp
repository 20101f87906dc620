// Conv2d layer: parameters and PyTorch-default initialisation; the math is ct::conv2d.
#include "nn/conv2d.h"

#include "core/ops.h"
#include "nn/init.h"

namespace ct::nn {

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Generator& gen, int64_t s, int64_t p, bool with_bias)
    : in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p) {
    CT_CHECK(in > 0 && out > 0 && k > 0 && s > 0 && p >= 0,
             "Conv2d: need positive channels, kernel and stride and padding >= 0, got in=" << in << " out=" << out
                 << " kernel=" << k << " stride=" << s << " padding=" << p);
    Tensor w = Tensor::empty({out, in, k, k});
    weight = register_parameter("weight", kaiming_uniform_default(w, gen));
    if (with_bias) {
        Tensor b = Tensor::empty({out});
        bias = register_parameter("bias", bias_uniform_default(b, in * k * k, gen));
    }
}

Tensor Conv2d::forward(const Tensor& x) {
    CT_CHECK(x.dim() == 4 && x.size(1) == in_channels,
             "Conv2d(" << in_channels << ", " << out_channels << "): input must be (N," << in_channels << ",H,W), got " << x.shape());
    return conv2d(x, weight, bias, stride, padding);
}

Tensor Conv2d::forward_relu_max_pool2x2(const Tensor& x) {
    CT_CHECK(x.dim() == 4 && x.size(1) == in_channels,
             "Conv2d(" << in_channels << ", " << out_channels << "): input must be (N," << in_channels << ",H,W), got " << x.shape());
    return conv2d_relu_max_pool2x2(x, weight, bias, stride, padding);
}

std::string Conv2d::extra_repr() const {
    return std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", kernel_size=" +
           std::to_string(kernel_size) + ", stride=" + std::to_string(stride) + ", padding=" + std::to_string(padding) +
           (bias.defined() ? "" : ", bias=False");
}

}  // namespace ct::nn
