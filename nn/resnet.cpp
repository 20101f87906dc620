// CIFAR ResNet: BasicBlock (composed from core ops: the residual sum is ct::add) and the network.
#include "nn/resnet.h"

#include "core/ops.h"
#include "nn/pool.h"

namespace ct::nn {

BasicBlock::BasicBlock(int64_t in, int64_t out, int64_t stride, Generator& gen) {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(in, out, 3, gen, stride, 1, false));
    bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out));
    conv2 = register_module("conv2", std::make_shared<Conv2d>(out, out, 3, gen, 1, 1, false));
    bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(out));
    if (stride != 1 || in != out) {
        downsample = std::make_shared<Sequential>();
        downsample->push_back(std::make_shared<Conv2d>(in, out, 1, gen, stride, 0, false));
        downsample->push_back(std::make_shared<BatchNorm2d>(out));
        register_module("downsample", downsample);
    }
}

Tensor BasicBlock::forward(const Tensor& x) {
    Tensor y = relu((*bn1)((*conv1)(x)));
    y = (*bn2)((*conv2)(y));
    return relu(add(y, downsample ? (*downsample)(x) : x));
}

ResNetCifar::ResNetCifar(int64_t width, Generator& gen, std::vector<int64_t> blocks) {
    CT_CHECK(width > 0 && !blocks.empty(), "ResNetCifar: need width > 0 and at least one stage, got width "
                                               << width << " and " << blocks.size() << " stages");
    conv1_ = register_module("conv1", std::make_shared<Conv2d>(3, width, 3, gen, 1, 1, false));
    bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(width));
    int64_t c_in = width;
    for (size_t s = 0; s < blocks.size(); ++s) {
        CT_CHECK(blocks[s] > 0, "ResNetCifar: stage " << s + 1 << " needs at least one block, got " << blocks[s]);
        const int64_t c = width << s;
        auto stage = std::make_shared<Sequential>();
        for (int64_t b = 0; b < blocks[s]; ++b) {
            stage->push_back(std::make_shared<BasicBlock>(b == 0 ? c_in : c, c, (b == 0 && s > 0) ? 2 : 1, gen));
        }
        layers_.push_back(register_module("layer" + std::to_string(s + 1), stage));
        c_in = c;
    }
    out_features_ = c_in;
}

Tensor ResNetCifar::forward(const Tensor& x) {
    Tensor y = relu((*bn1_)((*conv1_)(x)));
    for (auto& stage : layers_) y = (*stage)(y);
    return global_avg_pool2d(y);
}

}  // namespace ct::nn
