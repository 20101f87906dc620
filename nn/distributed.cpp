// Parameter broadcast and bucketed gradient averaging (see distributed.h).
#include "nn/distributed.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/distributed.h"
#include "core/ops.h"
#include "nn/batchnorm.h"
#include "nn/momentum.h"

namespace ct::nn {

void broadcast_state(const Module& m, int root) {
    if (dist::world_size() == 1) return;
    for (const auto& [name, t] : m.state_dict()) dist::broadcast(t.data(), t.numel(), root);
}

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, float momentum, float eps) {
    CT_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 4), "sync_batch_norm: x must be (n,C) or (n,C,H,W), got "
                                                                 << (x.defined() ? x.shape() : Shape{}));
    const int64_t C = x.size(1), per_channel = x.numel() / C;
    // per-channel sums over n (and H, W): (C)
    auto channel_sum = [](const Tensor& t) { return t.dim() == 4 ? sum(sum(sum(t, 3), 2), 0) : sum(t, 0); };
    const Tensor sums = unsqueeze(cat({channel_sum(x), channel_sum(square(x))}, 0), 0);   // (1,2C)
    const Tensor total = sum(all_gather(sums), 0);                                          // (2C) over ranks
    const int64_t M = dist::allreduce_sum(per_channel);   // values per channel in the global batch
    CT_CHECK(M > 1, "sync_batch_norm: needs more than one value per channel over all ranks, got " << M);
    const Tensor mean = narrow(total, 0, 0, C) * (1.f / float(M));
    const Tensor var = narrow(total, 0, C, C) * (1.f / float(M)) - square(mean);   // biased, E[x^2] - E[x]^2
    if (running_mean.defined() && running_var.defined()) {
        NoGradGuard no_grad;   // running stats: the unbiased variance, as batch_norm
        for (int64_t c = 0; c < C; ++c) {
            running_mean.data()[c] = (1 - momentum) * running_mean.data()[c] + momentum * mean.data()[c];
            running_var.data()[c] = (1 - momentum) * running_var.data()[c] +
                                    momentum * var.data()[c] * float(M) / float(M - 1);
        }
    }
    const Shape bshape = x.dim() == 4 ? Shape{1, C, 1, 1} : Shape{1, C};
    Tensor y = (x - reshape(mean, bshape)) * reshape(1.f / sqrt(var + eps), bshape);
    if (weight.defined()) y = y * reshape(weight, bshape);
    if (bias.defined()) y = y + reshape(bias, bshape);
    return y;
}

int64_t convert_sync_batchnorm(Module& m) {
    int64_t count = 0;
    for (auto& [name, module] : m.named_modules()) {
        if (auto* bn = dynamic_cast<BatchNorm*>(module)) {
            bn->sync = true;
            ++count;
        }
        if (auto* copy = dynamic_cast<MomentumCopy*>(module)) count += convert_sync_batchnorm(copy->copy());
    }
    return count;
}

GradientAverager::GradientAverager(std::vector<Tensor> params, int64_t bucket_bytes) : params_(std::move(params)) {
    CT_CHECK(bucket_bytes >= 4, "GradientAverager: bucket_bytes must be >= 4, got " << bucket_bytes);
    // Reverse order: backward finishes the last layers' gradients first, the order DDP's buckets
    // follow (and the order an overlapped version would start them in).
    std::reverse(params_.begin(), params_.end());
    int64_t in_bucket = 0, largest = 0;
    for (size_t i = 0; i < params_.size(); ++i) {
        const int64_t n = params_[i].numel();
        if (in_bucket > 0 && 4 * (in_bucket + n) > bucket_bytes) {
            bucket_end_.push_back(i);
            in_bucket = 0;
        }
        in_bucket += n;
        largest = std::max(largest, in_bucket);
        total_ += n;
    }
    if (!params_.empty()) bucket_end_.push_back(params_.size());
    buffer_.resize(size_t(largest));
}

void GradientAverager::average() {
    if (dist::world_size() == 1) return;
    const auto start = std::chrono::steady_clock::now();
    const float inv_k = 1.f / float(dist::world_size());
    size_t begin = 0;
    for (const size_t end : bucket_end_) {
        float* out = buffer_.data();
        for (size_t i = begin; i < end; ++i) {   // pack: the bucket's gradients, zeros for none
            const Tensor g = params_[i].grad();
            const size_t n = size_t(params_[i].numel());
            if (g.defined()) std::memcpy(out, g.data(), n * sizeof(float));
            else std::fill(out, out + n, 0.f);
            out += n;
        }
        const int64_t count = out - buffer_.data();
        dist::allreduce_sum(buffer_.data(), count);
        const float* in = buffer_.data();
        for (size_t i = begin; i < end; ++i) {   // unpack: grad = sum / K
            if (!params_[i].grad().defined()) params_[i].set_grad(Tensor::zeros(params_[i].shape()));
            float* g = params_[i].grad().data();
            const int64_t n = params_[i].numel();
            for (int64_t j = 0; j < n; ++j) g[j] = in[j] * inv_k;
            in += n;
        }
        begin = end;
    }
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++calls_;
}

}  // namespace ct::nn
