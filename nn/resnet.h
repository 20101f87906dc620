// A small CIFAR ResNet: ResNet-18's layout (four stages of two BasicBlocks, widths w, 2w, 4w, 8w)
// with the CIFAR stem (3x3 stride-1 conv, no max-pool), ending in global average pooling: an
// encoder (N,3,32,32) -> (N,8w). Names follow torchvision (conv1, bn1, layer1.0.conv1, downsample.0).
#pragma once
#include "core/random.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/sequential.h"

namespace ct::nn {

// y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut is a 1x1 strided conv + BN
// when the shape changes, else the identity.
class BasicBlock : public Module {
public:
    BasicBlock(int64_t in_channels, int64_t out_channels, int64_t stride, Generator& gen);
    Tensor forward(const Tensor& x) override;   // (N,IN,H,W) -> (N,OUT,H/stride,W/stride)
    std::string type_name() const override { return "BasicBlock"; }
    std::shared_ptr<Conv2d> conv1, conv2;
    std::shared_ptr<BatchNorm2d> bn1, bn2;
    std::shared_ptr<Sequential> downsample;   // null for the identity shortcut
};

class ResNetCifar : public Module {
public:
    // blocks per stage {2,2,2,2} is ResNet-18; width 64 is the standard one (11,168,832 parameters).
    ResNetCifar(int64_t width, Generator& gen, std::vector<int64_t> blocks = {2, 2, 2, 2});
    Tensor forward(const Tensor& x) override;   // (N,3,H,W) -> (N, width * 2^(stages-1))
    std::string type_name() const override { return "ResNetCifar"; }
    int64_t out_features() const { return out_features_; }

private:
    std::shared_ptr<Conv2d> conv1_;
    std::shared_ptr<BatchNorm2d> bn1_;
    std::vector<std::shared_ptr<Sequential>> layers_;
    int64_t out_features_ = 0;
};

}  // namespace ct::nn
