// ShardedSampler (see shard.h).
#include "data/shard.h"

namespace ct {

ShardedSampler::ShardedSampler(std::unique_ptr<Sampler> global, int64_t parts, int rank, int ranks)
    : global_(std::move(global)), parts_(parts), rank_(rank), ranks_(ranks) {
    CT_CHECK(global_ && parts >= 1 && ranks >= 1 && rank >= 0 && rank < ranks,
             "ShardedSampler: rank " << rank << " of " << ranks << ", parts " << parts << " is not a valid shard");
}

// This rank's entries of one global batch (its indices, or their positions): the r-th K-th of each part.
std::vector<int64_t> ShardedSampler::cut(const std::vector<int64_t>& b) const {
    const int64_t size = int64_t(b.size());
    CT_CHECK_AS(ValueError, size % (parts_ * ranks_) == 0,
                "a global batch of " << size << " images does not split over " << ranks_ << " ranks"
                << (parts_ > 1 ? " in whole pairs" : "") << ": use a --batch-size that is a multiple of " << ranks_
                << " (with P x K batches, a P x K that is)");
    const int64_t part = size / parts_, share = part / ranks_;
    std::vector<int64_t> mine;
    mine.reserve(size_t(share * parts_));
    for (int64_t p = 0; p < parts_; ++p)
        mine.insert(mine.end(), b.begin() + p * part + rank_ * share, b.begin() + p * part + (rank_ + 1) * share);
    return mine;
}

std::vector<std::vector<int64_t>> ShardedSampler::batches(int64_t epoch) const {
    std::vector<std::vector<int64_t>> out = global_->batches(epoch);
    for (std::vector<int64_t>& b : out) b = cut(b);
    return out;
}

std::vector<std::vector<int64_t>> ShardedSampler::positions(int64_t epoch,
                                                            const std::vector<std::vector<int64_t>>&) const {
    std::vector<std::vector<int64_t>> out = global_->positions(epoch, global_->batches(epoch));
    for (std::vector<int64_t>& p : out) p = cut(p);
    return out;
}

}  // namespace ct
