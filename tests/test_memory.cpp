// Tests of core/memory.h, the caching allocator: freed blocks are reused (cache hits grow in a
// loop), live and cached bytes are accounted, empty_cache returns blocks, size classes bound waste.
// The flat-memory test of a training loop is in tests/test_autograd.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/memory.h"
#include "core/ops.h"

using namespace ct;

TEST_CASE("memory: the pool reuses freed blocks") {
    SUBCASE("a loop of allocate-and-free is served from the cache") {
        { Tensor warm = Tensor::empty({1000, 37}); }   // puts one block of this size class in the cache
        const MemoryStats before = memory_stats();
        for (int i = 0; i < 50; ++i) {
            Tensor t = Tensor::zeros({1000, 37});
            t.at({0, 0}) = float(i);
        }
        const MemoryStats after = memory_stats();
        CHECK(after.allocations - before.allocations == 50);
        CHECK(after.cache_hits - before.cache_hits == 50);   // every request after the first is a hit
    }
    SUBCASE("live bytes count what tensors hold, cached bytes what they gave back") {
        const MemoryStats s0 = memory_stats();
        Tensor t = Tensor::empty({4096});   // 16384 bytes: exactly a power-of-two size class
        const MemoryStats s1 = memory_stats();
        CHECK(s1.live_bytes - s0.live_bytes == 16384);
        CHECK(s1.live_blocks - s0.live_blocks == 1);
        t = Tensor();
        const MemoryStats s2 = memory_stats();
        CHECK(s2.live_bytes == s0.live_bytes);
        CHECK(s2.cached_bytes - s1.cached_bytes == 16384);
    }
    SUBCASE("views share one block") {
        Tensor t = Tensor::zeros({64, 64});
        const int64_t live = memory_stats().live_blocks;
        Tensor v = reshape(t, {4096});
        Tensor d = t.detach();
        CHECK(memory_stats().live_blocks == live);
    }
    SUBCASE("size classes: four per power of two, so a block wastes less than 25%") {
        // 1100 floats = 4400 bytes; the classes above 4096 are 5120, 6144, 7168, 8192 -> 5120.
        const int64_t before = memory_stats().live_bytes;
        Tensor t = Tensor::empty({1100});
        CHECK(memory_stats().live_bytes - before == 5120);
        // Tiny tensors (a scalar, even an empty one) take the smallest class, 256 bytes.
        Tensor s = Tensor::scalar(1.f);
        CHECK(memory_stats().live_bytes - before == 5120 + 256);
    }
    SUBCASE("peak live bytes and reset_peak_memory") {
        reset_peak_memory();
        const int64_t base = memory_stats().live_bytes;
        CHECK(memory_stats().peak_live_bytes == base);
        { Tensor big = Tensor::empty({1 << 18}); }   // 1 MiB, freed at once
        CHECK(memory_stats().peak_live_bytes == base + (1 << 20));
        CHECK(memory_stats().live_bytes == base);
        reset_peak_memory();
        CHECK(memory_stats().peak_live_bytes == base);
    }
    SUBCASE("empty_cache gives the cached blocks back; allocation still works after it") {
        { Tensor t = Tensor::empty({10000}); }
        CHECK(memory_stats().cached_bytes > 0);
        empty_cache();
        CHECK(memory_stats().cached_bytes == 0);
        const int64_t hits = memory_stats().cache_hits;
        Tensor t = Tensor::ones({10000});
        CHECK(memory_stats().cache_hits == hits);   // nothing left to reuse
        CHECK(t.at({9999}) == 1.f);
    }
    SUBCASE("blocks are 64-byte aligned for vector loads") {
        for (int64_t n : {1, 3, 100, 1000, 12345}) {
            Tensor t = Tensor::empty({n});
            CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
        }
    }
}

TEST_CASE("memory: threads allocate concurrently (data loaders do)") {
    const int64_t live = memory_stats().live_bytes;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([k, &wrong] {
            for (int i = 0; i < 200; ++i) {
                Tensor t = Tensor::full({100 + k * 50 + i}, float(k));
                if (t.at({0}) != float(k)) wrong++;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong == 0);
    CHECK(memory_stats().live_bytes == live);   // the counters agree after the race
}
