// Module: the base of every layer and model, as torch.nn.Module. It owns named parameters (leaf
// tensors that need a gradient), buffers (BatchNorm's running statistics) and child modules, and
// names them hierarchically like PyTorch's state_dict keys ("encoder.0.weight"). Layers live in
// nn/linear.h, nn/conv2d.h, ...; saving and loading files in nn/checkpoint.h.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ct::nn {

// An ordered list of (name, tensor): the order is PyTorch's state_dict order.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module;
using ModulePtr = std::shared_ptr<Module>;

class Module {
public:
    virtual ~Module() = default;
    Module() = default;
    Module(const Module&) = delete;              // parameters are shared handles: a copy would alias
    Module& operator=(const Module&) = delete;

    virtual Tensor forward(const Tensor& x) = 0;
    // Calls forward; also what summary() hooks into, so containers call children through it.
    Tensor operator()(const Tensor& x);

    virtual std::string type_name() const = 0;     // "Conv2d"
    virtual std::string extra_repr() const { return ""; }   // "1, 32, kernel_size=5"

    // ---- registration (called by constructors); returns the stored handle
    Tensor register_parameter(const std::string& name, Tensor t);   // marks t requires_grad
    Tensor register_buffer(const std::string& name, Tensor t);
    template <class M>
    std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
        add_child(name, m);
        return m;
    }

    // ---- traversal: names are dotted paths, own entries first, then children in order
    NamedTensors named_parameters() const;
    std::vector<Tensor> parameters() const;
    NamedTensors named_buffers() const;
    NamedTensors state_dict() const;   // per module: parameters, then buffers, then children
    const std::vector<std::pair<std::string, ModulePtr>>& named_children() const { return children_; }
    // Every module with its path ("" for this one), depth-first pre-order, as PyTorch.
    std::vector<std::pair<std::string, Module*>> named_modules();

    // Copies every tensor of `state` into the matching parameter or buffer. Validates all names
    // and shapes first, so on error nothing has changed; the error lists every missing and
    // unexpected name. `source` names the origin (a file) in messages.
    void load_state_dict(const NamedTensors& state, const std::string& source = "state_dict");

    // ---- modes and gradients
    void train(bool on = true);    // recursive
    void eval() { train(false); }
    bool is_training() const { return training_; }
    void zero_grad();              // drops every parameter's .grad
    int64_t num_parameters() const;

    // A torchinfo-like table: each module called by a forward pass of a tensor of shape `input`
    // (zeros, eval mode, no grad: running statistics stay untouched), its output shape and its
    // parameter count, then the totals.
    std::string summary(const Shape& input);

private:
    void add_child(const std::string& name, ModulePtr m);
    void collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const;

    NamedTensors params_;
    NamedTensors buffers_;
    std::vector<std::pair<std::string, ModulePtr>> children_;
    bool training_ = true;
};

// "1,234,567": parameter counts in summaries and messages.
std::string with_thousands(int64_t n);

}  // namespace ct::nn
