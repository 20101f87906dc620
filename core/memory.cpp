// Size classes: four per power of two (x, 1.25x, 1.5x, 1.75x), so a reused block wastes < 25%.
// Blocks are 64-byte aligned for vector loads. A mutex guards the lists: loader threads allocate too.
#include "core/memory.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ct {
namespace {

struct Pool {
    std::mutex mutex;
    std::unordered_map<size_t, std::vector<float*>> free_lists;
    MemoryStats stats;
};

Pool& pool() {
    static Pool* p = new Pool;   // never destroyed: tensors in static objects may outlive main
    return *p;
}

size_t size_class(size_t bytes) {
    if (bytes <= 256) return 256;
    size_t pow2 = 256;
    while (pow2 * 2 < bytes) pow2 *= 2;
    for (size_t quarter = 1; quarter <= 4; ++quarter) {
        const size_t c = pow2 + pow2 * quarter / 4;
        if (c >= bytes) return c;
    }
    return pow2 * 2;
}

}  // namespace

namespace detail {

float* pool_allocate(size_t floats, size_t& capacity_bytes) {
    capacity_bytes = size_class(floats * sizeof(float));
    Pool& p = pool();
    {
        std::lock_guard<std::mutex> lock(p.mutex);
        p.stats.allocations++;
        p.stats.live_blocks++;
        p.stats.live_bytes += int64_t(capacity_bytes);
        if (p.stats.live_bytes > p.stats.peak_live_bytes) p.stats.peak_live_bytes = p.stats.live_bytes;
        auto it = p.free_lists.find(capacity_bytes);
        if (it != p.free_lists.end() && !it->second.empty()) {
            float* block = it->second.back();
            it->second.pop_back();
            p.stats.cached_bytes -= int64_t(capacity_bytes);
            p.stats.cache_hits++;
            return block;
        }
    }
    void* block = std::aligned_alloc(64, capacity_bytes);
    if (!block) throw std::bad_alloc();
    return static_cast<float*>(block);
}

void pool_free(float* block, size_t capacity_bytes) {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.stats.live_blocks--;
    p.stats.live_bytes -= int64_t(capacity_bytes);
    p.stats.cached_bytes += int64_t(capacity_bytes);
    p.free_lists[capacity_bytes].push_back(block);
}

}  // namespace detail

MemoryStats memory_stats() {
    std::lock_guard<std::mutex> lock(pool().mutex);
    return pool().stats;
}

void empty_cache() {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    for (auto& [bytes, blocks] : p.free_lists)
        for (float* b : blocks) std::free(b);
    p.free_lists.clear();
    p.stats.cached_bytes = 0;
}

void reset_peak_memory() {
    std::lock_guard<std::mutex> lock(pool().mutex);
    pool().stats.peak_live_bytes = pool().stats.live_bytes;
}

}  // namespace ct
