// The caching allocator behind every tensor's storage. Freed blocks go back to a free list of
// their size class and are handed out again, so a training loop stops page-faulting fresh memory
// each step (the PyTorch peer loses ~30% of its CPU time to exactly that on 2 cores).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ct {

struct MemoryStats {
    int64_t live_bytes = 0;      // held by tensors now
    int64_t cached_bytes = 0;    // freed by tensors, kept for reuse
    int64_t peak_live_bytes = 0;
    int64_t live_blocks = 0;
    int64_t allocations = 0;     // requests served
    int64_t cache_hits = 0;      // requests served from the cache
};

MemoryStats memory_stats();
void empty_cache();                 // give cached blocks back to the system
void reset_peak_memory();

namespace detail {
float* pool_allocate(size_t floats, size_t& capacity_bytes);
void pool_free(float* p, size_t capacity_bytes);
}  // namespace detail

}  // namespace ct
