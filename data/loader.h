// The data loader: worker threads (plain std::thread, no OpenMP, so they never fight OpenBLAS for a
// parallel region) turn a sampler's index batches into image tensors (decode uint8 -> float,
// augment, stack) and keep the next few batches ready while the model trains. The time the
// training loop spends blocked in next() is measured per epoch: that is the cost of data loading.
//
//   LoaderOptions o;  o.workers = 2;  o.seed = 1;  o.views = transforms::two_views(aug);
//   Loader loader(train, sampler, o);
//   for (int64_t epoch = 0; epoch < E; ++epoch) {
//       loader.start_epoch(epoch);
//       for (Batch b; loader.next(b);) { ...b.images (2B,C,H,W), b.labels... }
//       std::printf("waited %.2f s for data\n", loader.stats().wait_seconds);
//   }
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/samplers.h"
#include "data/transforms.h"

namespace ct {

struct Batch {
    Tensor images;                   // (V*B, C,H,W): view v of sample i at row v*B + i
    std::vector<int64_t> labels;     // (V*B), repeated per view like the rows of images
    std::vector<int64_t> indices;    // (B) dataset indices, in sampler order
    int64_t views = 1;
    int64_t number = 0;              // position of this batch in its epoch
};

struct LoaderOptions {
    int workers = 2;                 // 0: batches are made on the calling thread inside next()
    int prefetch = 2;                // batches made ahead of the one being consumed (>= 1)
    uint64_t seed = 0;               // augmentation randomness: Generator::for_sample(seed, epoch, position)
    std::vector<Transform> views;    // empty: the images as stored; else one entry per view
};

struct LoaderStats {
    int64_t batches = 0;             // handed out this epoch
    double wait_seconds = 0;         // the caller blocked in next()
    double work_seconds = 0;         // spent making batches, summed over workers
};

// Makes one batch: sample i of the batch is at `position + i` in its epoch, which seeds its views.
Batch make_batch(const Dataset& data, const std::vector<int64_t>& indices, const std::vector<Transform>& views,
                 uint64_t seed, int64_t epoch, int64_t position);
// The same with each sample's epoch position given (Sampler::positions: a shard keeps global ones).
Batch make_batch(const Dataset& data, const std::vector<int64_t>& indices, const std::vector<Transform>& views,
                 uint64_t seed, int64_t epoch, const std::vector<int64_t>& positions);

// The dataset and the sampler must outlive the loader (it keeps references, like a PyTorch DataLoader).
class Loader {
public:
    Loader(const Dataset& data, const Sampler& sampler, LoaderOptions options = {});
    ~Loader();
    Loader(const Loader&) = delete;
    Loader& operator=(const Loader&) = delete;

    void start_epoch(int64_t epoch);   // stops any unfinished epoch, then starts the workers
    bool next(Batch& batch);           // false once the epoch's batches are all handed out
    int64_t num_batches() const { return int64_t(batches_.size()); }   // of the epoch started last (0 before)
    LoaderStats stats() const;         // of the current epoch

private:
    void worker();
    void stop();
    struct Slot { Batch batch; std::exception_ptr error; };

    const Dataset& data_;
    const Sampler& sampler_;
    LoaderOptions options_;
    int64_t epoch_ = -1;
    std::vector<std::vector<int64_t>> batches_;
    std::vector<std::vector<int64_t>> positions_;   // epoch position of each sample of each batch

    mutable std::mutex mutex_;
    std::condition_variable ready_cv_, space_cv_;
    std::map<int64_t, Slot> ready_;
    int64_t next_to_make_ = 0, next_to_give_ = 0;
    bool stopping_ = false;
    LoaderStats stats_;
    std::vector<std::thread> threads_;
};

}  // namespace ct
