// Optimizers as torch.optim: SGD (momentum, Nesterov, weight decay), Adam, AdamW, and LARS as in
// SimCLR; parameter groups with their own lr and weight decay; clipping by global gradient norm.
// Each step runs under NoGradGuard and updates parameter data in place. State tensors (momentum
// buffers, moments, step counts) are named "optimizer.<param name>.<key>" for checkpoints
// (nn/checkpoint.h). Update equations: optim_sgd.cpp, optim_adam.cpp, optim_lars.cpp.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nn/module.h"

namespace ct::nn {

struct ParamGroup {
    NamedTensors params;        // names are used for state keys; they must be unique
    float lr = -1.f;            // < 0: the optimizer's default
    float weight_decay = -1.f;  // < 0: the optimizer's default
    float initial_lr = 0.f;     // filled in by the optimizer: what schedules scale (nn/schedule.h)
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    virtual void step() = 0;
    virtual std::string type_name() const = 0;

    void zero_grad();   // drops every parameter's .grad
    std::vector<ParamGroup>& param_groups() { return groups_; }
    const std::vector<ParamGroup>& param_groups() const { return groups_; }
    void set_lr(float lr);   // every group (a schedule with per-group lrs scales initial_lr instead)

    // "optimizer.<param>.<key>" -> tensor, sorted by name; empty before the first step.
    NamedTensors state_tensors() const;
    // Replaces the state with `state` (as written by state_tensors). Every name must belong to a
    // parameter of this optimizer and a key it keeps, with the right shape; on error nothing changes.
    void load_state_tensors(const NamedTensors& state, const std::string& source = "optimizer state");

protected:
    Optimizer(std::vector<ParamGroup> groups, float default_lr, float default_weight_decay);
    // The state tensor `key` of a parameter, created as zeros of `shape` on first use.
    Tensor& state(const std::string& param, const std::string& key, const Shape& shape);
    bool has_state(const std::string& param, const std::string& key) const;
    virtual std::vector<std::string> state_keys() const = 0;   // e.g. {"exp_avg", "exp_avg_sq", "step"}

    std::vector<ParamGroup> groups_;

private:
    std::map<std::string, Tensor> state_;   // "<param>.<key>"
};

struct SGDOptions {
    float lr = 0.01f, momentum = 0.f, dampening = 0.f, weight_decay = 0.f;
    bool nesterov = false;
};
class SGD : public Optimizer {
public:
    SGD(const NamedTensors& params, const SGDOptions& options);
    SGD(std::vector<ParamGroup> groups, const SGDOptions& options);
    void step() override;
    std::string type_name() const override { return "SGD"; }
    SGDOptions options;

protected:
    std::vector<std::string> state_keys() const override { return {"momentum_buffer"}; }
};

struct AdamOptions {
    float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.f;
};
// Adam adds weight decay to the gradient (L2); AdamW (decoupled = true) shrinks the weights directly.
class Adam : public Optimizer {
public:
    Adam(const NamedTensors& params, const AdamOptions& options);
    Adam(std::vector<ParamGroup> groups, const AdamOptions& options);
    void step() override;
    std::string type_name() const override { return decoupled_ ? "AdamW" : "Adam"; }
    AdamOptions options;

protected:
    Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled);
    std::vector<std::string> state_keys() const override { return {"exp_avg", "exp_avg_sq", "step"}; }

private:
    bool decoupled_;
};

class AdamW : public Adam {
public:
    // PyTorch's AdamW default weight decay is 0.01.
    static AdamOptions defaults() { AdamOptions o; o.weight_decay = 1e-2f; return o; }
    AdamW(const NamedTensors& params, const AdamOptions& options = defaults());
    AdamW(std::vector<ParamGroup> groups, const AdamOptions& options = defaults());
};

struct LARSOptions {
    float lr = 0.1f, momentum = 0.9f, weight_decay = 0.f, trust_coefficient = 0.001f;
    bool nesterov = false;
};
// LARS as in SimCLR (You et al. 2017; SimCLR's lars_optimizer.py). Parameters of rank <= 1 (biases
// and BatchNorm weights) are excluded from both the trust-ratio adaptation and weight decay, as
// SimCLR excludes "bias" and "batch_normalization" variables.
class LARS : public Optimizer {
public:
    LARS(const NamedTensors& params, const LARSOptions& options);
    LARS(std::vector<ParamGroup> groups, const LARSOptions& options);
    void step() override;
    std::string type_name() const override { return "LARS"; }
    LARSOptions options;

protected:
    std::vector<std::string> state_keys() const override { return {"momentum_buffer"}; }
};

// Scales every gradient by max_norm / (total + 1e-6) when the global L2 norm `total` of all the
// gradients exceeds max_norm (torch.nn.utils.clip_grad_norm_); returns total (before clipping).
float clip_grad_norm(const std::vector<Tensor>& params, float max_norm);

}  // namespace ct::nn
