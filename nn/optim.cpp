// Optimizer base: parameter groups, named state tensors for checkpoints, and gradient clipping.
// The update rules are in optim_sgd.cpp, optim_adam.cpp and optim_lars.cpp.
#include "nn/optim.h"

#include <cmath>
#include <set>
#include <sstream>

namespace ct::nn {

Optimizer::Optimizer(std::vector<ParamGroup> groups, float default_lr, float default_weight_decay)
    : groups_(std::move(groups)) {
    CT_CHECK_AS(ValueError, default_lr >= 0.f && default_weight_decay >= 0.f,
                "optimizer: lr and weight_decay must be >= 0, got lr=" << default_lr << " weight_decay=" << default_weight_decay);
    std::set<std::string> seen;
    for (size_t g = 0; g < groups_.size(); ++g) {
        ParamGroup& group = groups_[g];
        if (group.lr < 0.f) group.lr = default_lr;
        if (group.weight_decay < 0.f) group.weight_decay = default_weight_decay;
        group.initial_lr = group.lr;
        for (const auto& [name, p] : group.params) {
            CT_CHECK(p.defined() && p.requires_grad(),
                     "optimizer: parameter '" << name << "' in group " << g << " must be a tensor that requires grad");
            CT_CHECK(seen.insert(name).second, "optimizer: parameter name '" << name << "' appears twice");
        }
    }
}

void Optimizer::zero_grad() {
    for (ParamGroup& g : groups_)
        for (auto& [name, p] : g.params) p.zero_grad();
}

void Optimizer::set_lr(float lr) {
    for (ParamGroup& g : groups_) g.lr = lr;
}

Tensor& Optimizer::state(const std::string& param, const std::string& key, const Shape& shape) {
    auto it = state_.find(param + "." + key);
    if (it == state_.end()) it = state_.emplace(param + "." + key, Tensor::zeros(shape)).first;
    return it->second;
}

bool Optimizer::has_state(const std::string& param, const std::string& key) const {
    return state_.count(param + "." + key) > 0;
}

NamedTensors Optimizer::state_tensors() const {
    NamedTensors out;
    for (const auto& [name, t] : state_) out.emplace_back("optimizer." + name, t);
    return out;
}

void Optimizer::load_state_tensors(const NamedTensors& state, const std::string& source) {
    std::map<std::string, Shape> expected;   // "<param>.<key>" -> shape
    for (const ParamGroup& g : groups_)
        for (const auto& [name, p] : g.params)
            for (const std::string& key : state_keys()) expected[name + "." + key] = key == "step" ? Shape{} : p.shape();
    std::map<std::string, Tensor> loaded;
    for (const auto& [full, t] : state) {
        CT_CHECK(full.rfind("optimizer.", 0) == 0,
                 type_name() << ": " << source << ": state name '" << full << "' does not start with 'optimizer.'");
        const std::string name = full.substr(10);
        const auto it = expected.find(name);
        CT_CHECK(it != expected.end(), type_name() << ": " << source << ": '" << full
                                                   << "' is not the state of any parameter of this optimizer");
        CT_CHECK(t.shape() == it->second, type_name() << ": " << source << ": '" << full << "' is " << t.shape()
                                                      << " but the parameter needs " << it->second);
        loaded[name] = t.clone();
    }
    state_ = std::move(loaded);
}

float clip_grad_norm(const std::vector<Tensor>& params, float max_norm) {
    CT_CHECK_AS(ValueError, max_norm > 0.f, "clip_grad_norm: max_norm must be positive, got " << max_norm);
    double sq = 0;
    for (const Tensor& p : params) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        for (int64_t i = 0; i < g.numel(); ++i) sq += double(g.data()[i]) * g.data()[i];
    }
    const double total = std::sqrt(sq);
    const double coef = double(max_norm) / (total + 1e-6);
    if (coef < 1.0)
        for (const Tensor& p : params) {
            const Tensor g = p.grad();
            if (!g.defined()) continue;
            for (int64_t i = 0; i < g.numel(); ++i) g.data()[i] = float(g.data()[i] * coef);
        }
    return float(total);
}

}  // namespace ct::nn
