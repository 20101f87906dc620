// Linear: y = x w^T + b, as torch.nn.Linear (weight (OUT,IN), PyTorch's default initialisation).
// The op itself is ct::linear in core/ops_linear.cpp.
#pragma once
#include "core/random.h"
#include "nn/module.h"

namespace ct::nn {

class Linear : public Module {
public:
    // weight:(OUT,IN) ~ U(-1/sqrt(IN), 1/sqrt(IN)), bias:(OUT) the same; drawn from gen in that order.
    Linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true);
    Tensor forward(const Tensor& x) override;   // x:(N,IN) -> (N,OUT)
    std::string type_name() const override { return "Linear"; }
    std::string extra_repr() const override;

    int64_t in_features, out_features;
    Tensor weight, bias;   // bias undefined when built without one
};

}  // namespace ct::nn
