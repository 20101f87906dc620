// Small parameter-free layers that are not activations: Identity, Flatten, Normalize (L2, as
// F.normalize) and Dropout (inverted, with its own seeded generator so a checkpoint can save it).
#pragma once
#include "core/random.h"
#include "nn/module.h"

namespace ct::nn {

class Identity : public Module {
public:
    Tensor forward(const Tensor& x) override { return x; }
    std::string type_name() const override { return "Identity"; }
};

class Flatten : public Module {
public:
    explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
    Tensor forward(const Tensor& x) override;   // (N,C,H,W) -> (N,C*H*W) by default
    std::string type_name() const override { return "Flatten"; }
    int64_t start_dim, end_dim;
};

class Normalize : public Module {
public:
    explicit Normalize(int64_t dim = 1, float eps = 1e-12f) : dim(dim), eps(eps) {}
    Tensor forward(const Tensor& x) override;   // x / max(|x|_2, eps) along dim; shape unchanged
    std::string type_name() const override { return "Normalize"; }
    int64_t dim;
    float eps;
};

class Dropout : public Module {
public:
    explicit Dropout(float p = 0.5f, uint64_t seed = 0);
    Tensor forward(const Tensor& x) override;   // identity in eval mode
    std::string type_name() const override { return "Dropout"; }
    std::string extra_repr() const override;
    Generator& generator() { return gen_; }
    float p;

private:
    Generator gen_;
};

}  // namespace ct::nn
