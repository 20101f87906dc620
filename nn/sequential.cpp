// Sequential container: forward threads the tensor through each child's operator().
#include "nn/sequential.h"

#include "core/autograd.h"
#include "core/ops.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/pool.h"

namespace ct::nn {

Sequential::Sequential(std::initializer_list<ModulePtr> layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

namespace {
using Layers = std::vector<std::pair<std::string, ModulePtr>>;

bool is_max_pool_2x2(const Module* m) {
    const auto* pool = dynamic_cast<const MaxPool2d*>(m);
    return pool && pool->kernel_size == 2 && (pool->stride == 0 || pool->stride == 2) && pool->padding == 0;
}

// How many layers after layer i fold into it: a ReLU, and then a 2x2 stride-2 max-pool.
BatchNorm::Then fusable_after(const Layers& layers, size_t i) {
    auto at = [&](size_t k) { return k < layers.size() ? layers[k].second.get() : nullptr; };
    if (!dynamic_cast<ReLU*>(at(i + 1))) return BatchNorm::Then::Nothing;
    return is_max_pool_2x2(at(i + 2)) ? BatchNorm::Then::ReluMaxPool2x2 : BatchNorm::Then::Relu;
}

// x:(N,C,H,W) can be pooled 2x2 (H, W >= 2)
bool poolable(const Tensor& x) { return x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2; }

// The conv accepts x and its output can be pooled 2x2; anything else runs unfused, so that the
// layers' own checks report the error.
bool conv_poolable(const Conv2d& conv, const Tensor& x) {
    if (x.dim() != 4 || x.size(1) != conv.in_channels) return false;
    for (int64_t d : {x.size(2), x.size(3)}) {
        const int64_t padded = d + 2 * conv.padding;
        if (padded < conv.kernel_size || (padded - conv.kernel_size) / conv.stride + 1 < 2) return false;
    }
    return true;
}
}  // namespace

// While a graph is recorded, a block's tail runs fused (fewer passes each way, and the full-size
// intermediate tensors are not kept for backward: most of a step's memory in E1 and E2):
//   BatchNorm, ReLU [, MaxPool2d(2)]  ->  batch_norm_relu[_max_pool2x2]
//   Conv2d, ReLU, MaxPool2d(2)        ->  conv2d without bias, relu_max_pool2x2 adding it
//   ReLU, MaxPool2d(2)                ->  relu_max_pool2x2
// Without a graph (evaluation, summary()) each layer runs on its own, so summaries list every layer.
Tensor Sequential::forward(const Tensor& x) {
    const Layers& layers = named_children();
    const bool graph = grad_enabled();
    Tensor y = x;
    for (size_t i = 0; i < layers.size(); ++i) {
        Module* m = layers[i].second.get();
        const BatchNorm::Then then = graph ? fusable_after(layers, i) : BatchNorm::Then::Nothing;
        auto* bn = dynamic_cast<BatchNorm*>(m);
        auto* conv = dynamic_cast<Conv2d*>(m);
        if (bn && then != BatchNorm::Then::Nothing) {
            if (then == BatchNorm::Then::Relu || !poolable(y)) {
                y = bn->forward_fused(y, BatchNorm::Then::Relu);
                i += 1;
            } else {
                y = bn->forward_fused(y, then);
                i += 2;
            }
        } else if (conv && then == BatchNorm::Then::ReluMaxPool2x2 && conv_poolable(*conv, y)) {
            y = conv->forward_relu_max_pool2x2(y);
            i += 2;
        } else if (graph && dynamic_cast<ReLU*>(m) && i + 1 < layers.size() &&
                   is_max_pool_2x2(layers[i + 1].second.get()) && poolable(y)) {
            y = relu_max_pool2x2(y);
            i += 1;
        } else {
            y = (*m)(y);
        }
    }
    return y;
}

ModulePtr Sequential::operator[](size_t i) const {
    CT_CHECK(i < size(), "Sequential: index " << i << " out of range for " << size() << " layers");
    return named_children()[i].second;
}

}  // namespace ct::nn
