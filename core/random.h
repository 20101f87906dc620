// Seeded random numbers. Nothing in contrast draws from hidden global state: every random
// function takes a Generator, and data augmentation derives one per (seed, epoch, index).
#pragma once
#include <array>
#include <cstdint>

namespace ct {

// xoshiro256** (Blackman & Vigna): fast, small state that checkpoints save for bit-exact resume.
class Generator {
public:
    explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
    void manual_seed(uint64_t seed);

    uint64_t next_u64();
    float uniform();                          // [0, 1)
    float uniform(float lo, float hi);        // [lo, hi)
    float normal(float mean = 0.f, float stddev = 1.f);   // Box-Muller, no cached second value
    int64_t randint(int64_t n);               // [0, n), unbiased
    bool bernoulli(float p) { return uniform() < p; }

    // A generator for one sample of one epoch: the stream does not depend on thread scheduling.
    static Generator for_sample(uint64_t seed, uint64_t epoch, uint64_t index);

    using State = std::array<uint64_t, 4>;
    State state() const { return s_; }
    void set_state(const State& s) { s_ = s; }

private:
    State s_{};
};

uint64_t splitmix64(uint64_t& x);

}  // namespace ct
