// BatchNorm layers: parameters, running buffers and the train/eval switch around ct::batch_norm.
#include "nn/batchnorm.h"

#include <sstream>

#include "core/ops.h"
#include "nn/distributed.h"

namespace ct::nn {

BatchNorm::BatchNorm(int64_t c, int64_t input_dims, float eps_, float momentum_)
    : num_features(c), eps(eps_), momentum(momentum_), input_dims_(input_dims) {
    CT_CHECK(c > 0, "BatchNorm: num_features must be positive, got " << c);
    weight = register_parameter("weight", Tensor::ones({c}));
    bias = register_parameter("bias", Tensor::zeros({c}));
    running_mean = register_buffer("running_mean", Tensor::zeros({c}));
    running_var = register_buffer("running_var", Tensor::ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}));
}

Tensor BatchNorm::forward(const Tensor& x) { return forward_fused(x, Then::Nothing); }

Tensor BatchNorm::forward_fused(const Tensor& x, Then then) {
    CT_CHECK(x.dim() == input_dims_ && x.size(1) == num_features,
             type_name() << "(" << num_features << "): input must be "
                         << (input_dims_ == 2 ? "(N," : "(N,") << num_features << (input_dims_ == 2 ? ")" : ",H,W)")
                         << ", got " << x.shape());
    if (is_training()) num_batches_tracked.data()[0] += 1.f;   // a counter, never differentiated
    if (sync && is_training()) {   // the global batch's statistics; the fused ops know only this rank's
        Tensor y = sync_batch_norm(x, weight, bias, running_mean, running_var, momentum, eps);
        if (then == Then::Nothing) return y;
        return then == Then::Relu ? relu(y) : max_pool2d(relu(y), 2);
    }
    auto* op = then == Then::Nothing ? batch_norm : then == Then::Relu ? batch_norm_relu : batch_norm_relu_max_pool2x2;
    return op(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
}

std::string BatchNorm::extra_repr() const {
    std::ostringstream s;
    s << num_features << ", eps=" << eps << ", momentum=" << momentum;
    return s.str();
}

}  // namespace ct::nn
