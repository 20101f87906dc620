// Sequential: children applied in order and named "0", "1", ... like torch.nn.Sequential, so a
// model built here and its PyTorch twin have the same state_dict keys ("3.weight").
#pragma once
#include <initializer_list>

#include "nn/module.h"

namespace ct::nn {

class Sequential : public Module {
public:
    Sequential() = default;
    Sequential(std::initializer_list<ModulePtr> layers);
    explicit Sequential(const std::vector<ModulePtr>& layers);

    // Appends a layer under the next index and returns it (typed, for keeping a handle).
    template <class M>
    std::shared_ptr<M> push_back(std::shared_ptr<M> layer) {
        return register_module(std::to_string(named_children().size()), std::move(layer));
    }
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Sequential"; }

    size_t size() const { return named_children().size(); }
    ModulePtr operator[](size_t i) const;
};

}  // namespace ct::nn
