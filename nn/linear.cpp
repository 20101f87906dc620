// Linear layer: parameters and their PyTorch-default initialisation; the math is ct::linear.
#include "nn/linear.h"

#include "core/ops.h"
#include "nn/init.h"

namespace ct::nn {

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool with_bias) : in_features(in), out_features(out) {
    CT_CHECK(in > 0 && out > 0, "Linear: features must be positive, got in=" << in << " out=" << out);
    Tensor w = Tensor::empty({out, in});
    weight = register_parameter("weight", kaiming_uniform_default(w, gen));
    if (with_bias) {
        Tensor b = Tensor::empty({out});
        bias = register_parameter("bias", bias_uniform_default(b, in, gen));
    }
}

Tensor Linear::forward(const Tensor& x) {
    CT_CHECK(x.dim() == 2 && x.size(1) == in_features,
             "Linear(" << in_features << ", " << out_features << "): input must be (N," << in_features << "), got " << x.shape());
    return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
    return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
           ", bias=" + (bias.defined() ? "True" : "False");
}

}  // namespace ct::nn
