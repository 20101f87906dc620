// A momentum copy of a network, updated as an exponential moving average of its weights: BYOL's
// target network and MoCo's key encoder. It is never trained: its parameters are registered here
// as buffers (so checkpoints hold them, and no optimizer sees them) and stop requiring gradients.
// The methods that use it are in apps/contrast/method_byol.cpp and method_moco.cpp.
#pragma once
#include "nn/module.h"

namespace ct::nn {

class MomentumCopy : public Module {
public:
    // copy: a fresh module of online's architecture (built by the same function); its parameters
    // and buffers are set to online's. The names here are copy's state_dict names.
    MomentumCopy(ModulePtr online, ModulePtr copy);
    // copy = tau * copy + (1 - tau) * online for every parameter, in place, without a graph.
    // Buffers (BatchNorm's running statistics) are the copy's own: its training-mode forward
    // passes update them, as in BYOL's and MoCo's code.
    void update(float tau);
    // The copy's output, without a graph (the copy runs in training mode: batch statistics).
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "MomentumCopy"; }
    // The copy itself: its modules are not children of this one (their weights are buffers here),
    // so convert_sync_batchnorm (nn/distributed.h) reaches its BatchNorm layers through this.
    Module& copy() const { return *copy_; }

private:
    ModulePtr online_, copy_;
};

}  // namespace ct::nn
