// Workers claim batch numbers in order and may finish them out of order; next() hands them out in
// order, so a run is the same with 0, 1 or 8 workers. A worker does not start a batch more than
// `prefetch` ahead of the consumer, which bounds memory. A failure while making a batch (a bad
// transform argument, say) is stored and rethrown by next() on the training thread.
#include "data/loader.h"

#include <chrono>
#include <cstring>

namespace ct {
namespace {
double now_seconds() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}
}  // namespace

Batch make_batch(const Dataset& data, const std::vector<int64_t>& indices, const std::vector<Transform>& views,
                 uint64_t seed, int64_t epoch, int64_t position) {
    std::vector<int64_t> positions(indices.size());
    for (size_t i = 0; i < positions.size(); ++i) positions[i] = position + int64_t(i);
    return make_batch(data, indices, views, seed, epoch, positions);
}

Batch make_batch(const Dataset& data, const std::vector<int64_t>& indices, const std::vector<Transform>& views,
                 uint64_t seed, int64_t epoch, const std::vector<int64_t>& positions) {
    CT_CHECK(positions.size() == indices.size(),
             "make_batch: " << positions.size() << " positions for " << indices.size() << " samples");
    Batch out;
    out.indices = indices;
    const int64_t B = int64_t(indices.size());
    const std::vector<int64_t> labels = data.labels_of(indices);
    if (views.empty()) {
        out.images = data.images(indices);
        out.labels = labels;
        return out;
    }
    const int64_t V = int64_t(views.size());
    out.views = V;
    for (int64_t v = 0; v < V; ++v) out.labels.insert(out.labels.end(), labels.begin(), labels.end());
    for (int64_t i = 0; i < B; ++i) {
        Generator gen = Generator::for_sample(seed, uint64_t(epoch), uint64_t(positions[size_t(i)]));
        for (int64_t v = 0; v < V; ++v) {
            const Tensor view = views[size_t(v)](data.image(indices[size_t(i)]), gen);
            if (!out.images.defined()) {
                Shape s = view.shape();
                s.insert(s.begin(), V * B);
                out.images = Tensor::empty(s);
            }
            CT_CHECK(view.numel() * V * B == out.images.numel() && view.dim() + 1 == out.images.dim(),
                     "loader: view " << v << " of sample " << indices[size_t(i)] << " has shape "
                                     << view.shape() << " but the batch holds " << out.images.shape()
                                     << "; every view must produce the same size (add a resize or crop)");
            std::memcpy(out.images.data() + (v * B + i) * view.numel(), view.data(),
                        sizeof(float) * size_t(view.numel()));
        }
    }
    return out;
}

Loader::Loader(const Dataset& data, const Sampler& sampler, LoaderOptions options)
    : data_(data), sampler_(sampler), options_(std::move(options)) {
    CT_CHECK_AS(ValueError, options_.workers >= 0 && options_.prefetch >= 1,
                "loader: workers (" << options_.workers << ") must be >= 0 and prefetch ("
                                    << options_.prefetch << ") >= 1");
}

Loader::~Loader() { stop(); }

void Loader::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    space_cv_.notify_all();
    ready_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void Loader::start_epoch(int64_t epoch) {
    stop();
    epoch_ = epoch;
    batches_ = sampler_.batches(epoch);
    positions_ = sampler_.positions(epoch, batches_);
    ready_.clear();
    next_to_make_ = next_to_give_ = 0;
    stopping_ = false;
    stats_ = LoaderStats();
    for (int w = 0; w < options_.workers; ++w) threads_.emplace_back([this] { worker(); });
}

void Loader::worker() {
    for (;;) {
        int64_t b;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            space_cv_.wait(lock, [&] {
                return stopping_ || next_to_make_ >= num_batches() ||
                       next_to_make_ < next_to_give_ + options_.prefetch;
            });
            if (stopping_ || next_to_make_ >= num_batches()) return;
            b = next_to_make_++;
        }
        Slot slot;
        const double t0 = now_seconds();
        try {
            slot.batch = make_batch(data_, batches_[size_t(b)], options_.views, options_.seed, epoch_, positions_[size_t(b)]);
            slot.batch.number = b;
        } catch (...) {
            slot.error = std::current_exception();
        }
        const double t1 = now_seconds();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stats_.work_seconds += t1 - t0;
            ready_[b] = std::move(slot);
        }
        ready_cv_.notify_all();
    }
}

bool Loader::next(Batch& batch) {
    CT_CHECK_AS(ValueError, epoch_ >= 0, "loader: call start_epoch(epoch) before next()");
    const double t0 = now_seconds();
    Slot slot;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (next_to_give_ >= num_batches()) return false;
        const int64_t b = next_to_give_;
        if (options_.workers == 0) {
            lock.unlock();
            slot.batch = make_batch(data_, batches_[size_t(b)], options_.views, options_.seed, epoch_, positions_[size_t(b)]);
            slot.batch.number = b;
            lock.lock();
            stats_.work_seconds += now_seconds() - t0;
        } else {
            ready_cv_.wait(lock, [&] { return ready_.count(b) > 0; });
            slot = std::move(ready_[b]);
            ready_.erase(b);
        }
        next_to_give_++;
        stats_.batches++;
        stats_.wait_seconds += now_seconds() - t0;
    }
    space_cv_.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    batch = std::move(slot.batch);
    return true;
}

LoaderStats Loader::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

}  // namespace ct
