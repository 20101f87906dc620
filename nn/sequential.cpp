// Sequential container: forward threads the tensor through each child's operator().
#include "nn/sequential.h"

#include "core/autograd.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"
#include "nn/pool.h"

namespace ct::nn {

Sequential::Sequential(std::initializer_list<ModulePtr> layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

namespace {
// How many layers after a BatchNorm at i fold into it: a ReLU, and then a 2x2 stride-2 max-pool.
BatchNorm::Then fusable_after(const std::vector<std::pair<std::string, ModulePtr>>& layers, size_t i) {
    auto at = [&](size_t k) { return k < layers.size() ? layers[k].second.get() : nullptr; };
    if (!dynamic_cast<ReLU*>(at(i + 1))) return BatchNorm::Then::Nothing;
    const auto* pool = dynamic_cast<const MaxPool2d*>(at(i + 2));
    const bool pool2x2 = pool && pool->kernel_size == 2 && (pool->stride == 0 || pool->stride == 2) && pool->padding == 0;
    return pool2x2 ? BatchNorm::Then::ReluMaxPool2x2 : BatchNorm::Then::Relu;
}
}  // namespace

// While a graph is recorded, a BatchNorm followed by a ReLU (and a 2x2 max-pool) runs as one fused
// op: fewer passes each way, and neither the normalised tensor nor the pooled ReLU output is kept
// for backward (together most of a step's memory in E2). Without a graph (evaluation, summary())
// each layer runs on its own, so summaries list every layer.
Tensor Sequential::forward(const Tensor& x) {
    const auto& layers = named_children();
    Tensor y = x;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto* bn = dynamic_cast<BatchNorm*>(layers[i].second.get());
        const BatchNorm::Then then = bn && grad_enabled() ? fusable_after(layers, i) : BatchNorm::Then::Nothing;
        if (then == BatchNorm::Then::Nothing) {
            y = (*layers[i].second)(y);
        } else if (then == BatchNorm::Then::Relu || y.dim() != 4 || y.size(2) < 2 || y.size(3) < 2) {
            y = bn->forward_fused(y, BatchNorm::Then::Relu);
            i += 1;
        } else {
            y = bn->forward_fused(y, then);
            i += 2;
        }
    }
    return y;
}

ModulePtr Sequential::operator[](size_t i) const {
    CT_CHECK(i < size(), "Sequential: index " << i << " out of range for " << size() << " layers");
    return named_children()[i].second;
}

}  // namespace ct::nn
