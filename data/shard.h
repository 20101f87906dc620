// One rank's part of every global batch in data-parallel training: the wrapped sampler makes the
// global batches (the same ones a single process makes with the same seed), and rank r of K keeps
// the r-th K-th of each. A batch of `parts` equal parts (a PairSampler batch is [firsts, seconds])
// is cut part by part, so pairs stay whole. P x K batches stay P x K globally: a class's samples
// may fall on two ranks, which the global-batch losses (losses/global_batch.h) handle. Each sample
// keeps its global epoch position, which seeds its augmentation: the K shards of a batch, stacked,
// are the 1-process batch image for image.
#pragma once
#include <memory>

#include "data/samplers.h"

namespace ct {

class ShardedSampler : public Sampler {
public:
    // Every global batch must split evenly: a multiple of parts x ranks (ValueError otherwise).
    ShardedSampler(std::unique_ptr<Sampler> global, int64_t parts, int rank, int ranks);
    std::vector<std::vector<int64_t>> batches(int64_t epoch) const override;
    // The samples' positions in the global batch sequence: their augmentation is the 1-process one.
    std::vector<std::vector<int64_t>> positions(int64_t epoch,
                                                const std::vector<std::vector<int64_t>>& batches) const override;
private:
    std::vector<int64_t> cut(const std::vector<int64_t>& global_batch) const;
    std::unique_ptr<Sampler> global_;
    int64_t parts_;
    int rank_, ranks_;
};

}  // namespace ct
