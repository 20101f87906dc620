// Pooling layers: argument checks and forwarding to core/ops_pool.cpp.
#include "nn/pool.h"

#include "core/ops.h"

namespace ct::nn {

MaxPool2d::MaxPool2d(int64_t k, int64_t s, int64_t p) : kernel_size(k), stride(s == 0 ? k : s), padding(p) {
    CT_CHECK(k > 0 && s >= 0 && p >= 0 && 2 * p <= k,
             "MaxPool2d: need kernel > 0, stride >= 0 and 0 <= padding <= kernel/2, got kernel=" << k << " stride=" << s
                                                                                               << " padding=" << p);
}
Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding); }
std::string MaxPool2d::extra_repr() const {
    return "kernel_size=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride) +
           ", padding=" + std::to_string(padding);
}

AvgPool2d::AvgPool2d(int64_t k, int64_t s) : kernel_size(k), stride(s == 0 ? k : s) {
    CT_CHECK(k > 0 && s >= 0, "AvgPool2d: need kernel > 0 and stride >= 0, got kernel=" << k << " stride=" << s);
}
Tensor AvgPool2d::forward(const Tensor& x) { return avg_pool2d(x, kernel_size, stride); }
std::string AvgPool2d::extra_repr() const {
    return "kernel_size=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride);
}

Tensor GlobalAvgPool2d::forward(const Tensor& x) { return global_avg_pool2d(x); }

}  // namespace ct::nn
