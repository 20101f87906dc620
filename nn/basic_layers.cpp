// Identity, Flatten, Normalize and Dropout: thin wrappers of core/ops_shape.cpp and ops_norm.cpp.
#include "nn/basic_layers.h"

#include "core/ops.h"

namespace ct::nn {

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }

Tensor Normalize::forward(const Tensor& x) { return normalize(x, dim, eps); }

Dropout::Dropout(float p_, uint64_t seed) : p(p_), gen_(seed) {
    CT_CHECK_AS(ValueError, p >= 0.f && p < 1.f, "Dropout: p must be in [0, 1), got " << p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), gen_); }

std::string Dropout::extra_repr() const { return "p=" + std::to_string(p); }

}  // namespace ct::nn
