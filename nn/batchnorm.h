// BatchNorm1d / BatchNorm2d as in PyTorch: weight 1, bias 0, buffers running_mean 0, running_var 1
// and num_batches_tracked (a float here; checkpoints store it as I64 like PyTorch). The op is
// ct::batch_norm in core/ops_norm.cpp; this layer picks batch or running statistics by mode.
#pragma once
#include "nn/module.h"

namespace ct::nn {

class BatchNorm : public Module {
public:
    Tensor forward(const Tensor& x) override;
    // The fused forms nn::Sequential calls for BatchNorm + ReLU (ct::batch_norm_relu) and for
    // BatchNorm2d + ReLU + MaxPool2d(2) (ct::batch_norm_relu_max_pool2x2).
    enum class Then { Nothing, Relu, ReluMaxPool2x2 };
    Tensor forward_fused(const Tensor& x, Then then);
    std::string extra_repr() const override;

    int64_t num_features;
    float eps, momentum;
    Tensor weight, bias, running_mean, running_var, num_batches_tracked;
    bool sync = false;   // training statistics over every rank's batch (nn/distributed.h, --sync-bn)

protected:
    BatchNorm(int64_t num_features, int64_t input_dims, float eps, float momentum);
    int64_t input_dims_;   // 2 for (N,C), 4 for (N,C,H,W)

};

class BatchNorm1d : public BatchNorm {
public:
    explicit BatchNorm1d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f)
        : BatchNorm(num_features, 2, eps, momentum) {}
    std::string type_name() const override { return "BatchNorm1d"; }   // x:(N,C)
};

class BatchNorm2d : public BatchNorm {
public:
    explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f)
        : BatchNorm(num_features, 4, eps, momentum) {}
    std::string type_name() const override { return "BatchNorm2d"; }   // x:(N,C,H,W)
};

}  // namespace ct::nn
