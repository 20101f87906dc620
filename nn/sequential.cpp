// Sequential container: forward threads the tensor through each child's operator().
#include "nn/sequential.h"

#include "core/autograd.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"

namespace ct::nn {

Sequential::Sequential(std::initializer_list<ModulePtr> layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

// A BatchNorm followed by a ReLU runs as one fused op while a graph is recorded: one pass less each
// way, and the normalised tensor is never kept for backward (it is most of a step's memory in E2).
// Without a graph (evaluation, summary()) each layer runs on its own, so summaries list both.
Tensor Sequential::forward(const Tensor& x) {
    const auto& layers = named_children();
    Tensor y = x;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto* bn = dynamic_cast<BatchNorm*>(layers[i].second.get());
        if (bn && grad_enabled() && i + 1 < layers.size() && dynamic_cast<ReLU*>(layers[i + 1].second.get())) {
            y = bn->forward_relu(y);
            ++i;
        } else {
            y = (*layers[i].second)(y);
        }
    }
    return y;
}

ModulePtr Sequential::operator[](size_t i) const {
    CT_CHECK(i < size(), "Sequential: index " << i << " out of range for " << size() << " layers");
    return named_children()[i].second;
}

}  // namespace ct::nn
