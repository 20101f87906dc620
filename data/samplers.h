// Samplers decide which dataset indices form each batch of an epoch; the loader (loader.h) turns
// them into image tensors. Every sampler is deterministic in (seed, epoch). Layouts of a batch:
//   BatchSampler    [i_0 .. i_{B-1}]                         shuffled, each index once per epoch
//   PairSampler     [a_0 .. a_{P-1}, b_0 .. b_{P-1}]         pair j = (a_j, b_j), even j similar
//   TripletSampler  [anchors (T), positives (T), negatives (T)]
//   PKSampler       [K of class c_0, K of class c_1, ..]     P classes x K samples (pml's MPerClassSampler)
// Two-view batches (SimCLR) use any sampler with LoaderOptions::views = transforms::two_views(t).
#pragma once
#include <cstdint>
#include <vector>

#include "core/check.h"   // the samplers throw ct::ValueError on impossible requests

namespace ct {

class Sampler {
public:
    virtual ~Sampler() = default;
    virtual std::vector<std::vector<int64_t>> batches(int64_t epoch) const = 0;
    // The epoch position of each sample of `batches` (this epoch's), which seeds its augmentation
    // (loader.h): by default the batches follow one another. A shard of a global batch (shard.h)
    // keeps the global positions, so K ranks augment exactly as one process.
    virtual std::vector<std::vector<int64_t>> positions(int64_t epoch,
                                                        const std::vector<std::vector<int64_t>>& batches) const;
};

class BatchSampler : public Sampler {
public:
    BatchSampler(int64_t dataset_size, int64_t batch_size, bool shuffle = true, bool drop_last = false,
                 uint64_t seed = 0);
    std::vector<std::vector<int64_t>> batches(int64_t epoch) const override;
private:
    int64_t n_, batch_size_;
    bool shuffle_, drop_last_;
    uint64_t seed_;
};

// Balanced pairs for Siamese training: half the pairs share a label, half do not.
class PairSampler : public Sampler {
public:
    // batches_per_epoch 0: enough batches to show about every sample once (N / 2P).
    PairSampler(std::vector<int64_t> labels, int64_t pairs_per_batch, int64_t batches_per_epoch = 0,
                uint64_t seed = 0);
    std::vector<std::vector<int64_t>> batches(int64_t epoch) const override;
private:
    std::vector<std::vector<int64_t>> by_class_;
    std::vector<int64_t> labels_, pair_classes_;   // pair_classes_: classes with >= 2 samples
    int64_t pairs_, batches_;
    uint64_t seed_;
};

// Triplets (anchor, positive of the anchor's class, negative of another class).
class TripletSampler : public Sampler {
public:
    TripletSampler(std::vector<int64_t> labels, int64_t triplets_per_batch, int64_t batches_per_epoch = 0,
                   uint64_t seed = 0);
    std::vector<std::vector<int64_t>> batches(int64_t epoch) const override;
private:
    std::vector<std::vector<int64_t>> by_class_;
    std::vector<int64_t> labels_, anchor_classes_;
    int64_t triplets_, batches_;
    uint64_t seed_;
};

// P distinct classes, K samples of each (drawn without replacement when the class has >= K,
// with replacement otherwise, as pytorch-metric-learning's MPerClassSampler).
class PKSampler : public Sampler {
public:
    PKSampler(std::vector<int64_t> labels, int64_t p_classes, int64_t k_samples, int64_t batches_per_epoch = 0,
              uint64_t seed = 0);
    std::vector<std::vector<int64_t>> batches(int64_t epoch) const override;
private:
    std::vector<std::vector<int64_t>> by_class_;
    std::vector<int64_t> present_;   // classes with at least one sample
    int64_t p_, k_, batches_;
    uint64_t seed_;
};

// Targets of a PairSampler batch from its labels (2P): y_j = 1 if labels[j] == labels[j + P] else 0.
std::vector<float> pair_targets(const std::vector<int64_t>& batch_labels);

// Indices of each class: out[c] lists the i with labels[i] == c (labels must be >= 0).
std::vector<std::vector<int64_t>> indices_by_class(const std::vector<int64_t>& labels);

}  // namespace ct
