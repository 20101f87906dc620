// Data parallelism's two duties toward a model (PyTorch DDP's): every rank starts from rank 0's
// weights, and after each backward every gradient becomes the mean over ranks, so that K ranks on
// K shards take exactly the step one process takes on the whole batch. The communicator is
// core/distributed.h; the CLI's use of it is apps/contrast/data_parallel.*.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/module.h"

namespace ct::nn {

// Every tensor of m's state_dict (parameters and buffers) takes rank 0's values. A collective.
void broadcast_state(const Module& m, int root = 0);

// Training-mode batch_norm (core/ops.h) with the mean and biased variance of every rank's batch:
// per-channel sums of x and x^2 go through all_gather, so the backward reaches every rank's
// inputs (PyTorch's SyncBatchNorm). Running stats as batch_norm, from the global statistics.
// x:(n,C) or (n,C,H,W) on each rank -> the same shape. A collective.
Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, float momentum, float eps);
// Sets every BatchNorm of m to sync_batch_norm in training, those of a MomentumCopy's copy (BYOL's
// target, MoCo's key encoder) included; returns how many there were.
int64_t convert_sync_batchnorm(Module& m);

// Averages the gradients of `params` over ranks with MPI_Allreduce, in buckets of about
// bucket_bytes (bounding the staging copy). It runs after backward, not overlapped with it: on this
// CPU trainer the all-reduce is a small share of a step (docs/DISTRIBUTED.md measures it).
class GradientAverager {
public:
    explicit GradientAverager(std::vector<Tensor> params, int64_t bucket_bytes = int64_t(8) << 20);
    // A parameter whose .grad is undefined on this rank counts as a zero gradient (and gets one).
    void average();
    int64_t bytes_per_step() const { return 4 * total_; }
    double seconds() const { return seconds_; }   // spent in average(), since the last reset
    int64_t calls() const { return calls_; }
    void reset_stats() { seconds_ = 0; calls_ = 0; }

private:
    std::vector<Tensor> params_;
    std::vector<size_t> bucket_end_;   // params_[bucket_end_[b-1] .. bucket_end_[b]) form bucket b
    std::vector<float> buffer_;
    int64_t total_ = 0;
    double seconds_ = 0;
    int64_t calls_ = 0;
};

}  // namespace ct::nn
