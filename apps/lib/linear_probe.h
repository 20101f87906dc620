// The linear probe of self-supervised learning: logistic regression (one linear layer + softmax
// cross-entropy) trained on frozen features, by mini-batch Adam (nn/optim.h). The encoder is not
// touched: callers pass features computed once under NoGradGuard.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ct {

// Defaults follow the PyTorch recipe in docs/REFERENCE.md: L2-normalised features, Adam lr 0.1,
// 100 epochs, batch 256 (0.640 on 19-epoch SimCLR features there).
struct LinearProbeOptions {
    int64_t epochs = 100;
    int64_t batch_size = 256;
    float lr = 0.1f;
    float weight_decay = 0.f;
    bool normalize = true;   // scale every feature row to unit length first
    uint64_t seed = 0;       // the mini-batch order
};

struct LinearProbeResult {
    double train_accuracy = 0, test_accuracy = 0;
    std::vector<double> epoch_loss;   // mean training cross-entropy of each epoch
    Tensor weight, bias;              // (classes,D), (classes)
};

// train_x:(N,D) test_x:(M,D); labels in [0, num_classes).
LinearProbeResult linear_probe(const Tensor& train_x, const std::vector<int64_t>& train_y, const Tensor& test_x,
                               const std::vector<int64_t>& test_y, int64_t num_classes,
                               const LinearProbeOptions& options = {});

}  // namespace ct
