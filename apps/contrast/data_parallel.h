// Data-parallel `contrast train` under mpirun / srun: what train.cpp asks of it at each stage of a
// run. At world size 1 (no launcher) every call is a no-op, so a single process trains as before.
// The pieces: core/distributed.h (communicator, all_gather), data/shard.h (batch shards),
// nn/distributed.h (weights broadcast, gradient averaging), losses/global_batch.h (global losses).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "apps/contrast/config.h"
#include "data/dataset.h"
#include "data/samplers.h"
#include "nn/distributed.h"

namespace ct::app {

class DataParallel {
public:
    // Ranks other than 0 print nothing to stdout (rank 0 reports the run; errors still reach stderr).
    static void quiet_other_ranks();
    // This rank's share of every global batch; parts: images per item (2 for Siamese pairs).
    static std::unique_ptr<Sampler> shard(std::unique_ptr<Sampler> global, int64_t parts);
    // Refuses a run whose ranks differ in a flag or in the training data (every difference named,
    // on every rank), then gives every rank rank 0's weights and method state; --sync-bn switches
    // its BatchNorm layers to global statistics.
    void start(const RunConfig& c, const Dataset& train, nn::Module& saved, std::vector<Tensor> params);
    // The same for data that is not a Dataset (the text methods): `data` says what this rank read
    // (a count and a fingerprint, see fingerprint()); ranks whose `data` differ are refused.
    void start(const RunConfig& c, const std::string& data, nn::Module& saved, std::vector<Tensor> params);
    // FNV-1a of n bytes, continuing from h: two ranks reading different files (or versions) disagree.
    static uint64_t fingerprint(const void* p, size_t n, uint64_t h = 1469598103934665603ull);
    float mean(float value) const;   // over ranks: a step's loss is the mean of the ranks' losses
    bool any(bool flag) const;       // one rank's Ctrl-C stops every rank at the same step
    void average_gradients();
    std::string epoch_note();        // "  all-reduce 2.1 ms/step (1.3 MB)" under mpirun, else ""
private:
    std::unique_ptr<nn::GradientAverager> averager_;
};

}  // namespace ct::app
