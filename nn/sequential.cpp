// Sequential container: forward threads the tensor through each child's operator().
#include "nn/sequential.h"

namespace ct::nn {

Sequential::Sequential(std::initializer_list<ModulePtr> layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& layers) {
    for (const ModulePtr& m : layers) push_back(m);
}

Tensor Sequential::forward(const Tensor& x) {
    Tensor y = x;
    for (const auto& [name, layer] : named_children()) y = (*layer)(y);
    return y;
}

ModulePtr Sequential::operator[](size_t i) const {
    CT_CHECK(i < size(), "Sequential: index " << i << " out of range for " << size() << " layers");
    return named_children()[i].second;
}

}  // namespace ct::nn
