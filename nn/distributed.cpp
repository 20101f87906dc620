// Parameter broadcast and bucketed gradient averaging (see distributed.h).
#include "nn/distributed.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/distributed.h"

namespace ct::nn {

void broadcast_state(const Module& m, int root) {
    if (dist::world_size() == 1) return;
    for (const auto& [name, t] : m.state_dict()) dist::broadcast(t.data(), t.numel(), root);
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
