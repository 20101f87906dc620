// xoshiro256** and splitmix64 (public-domain algorithms by Vigna), written from their definitions.
#include "core/random.h"

#include <cmath>

#include "core/check.h"

namespace ct {

uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void Generator::manual_seed(uint64_t seed) {
    uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);   // never all-zero: splitmix64 is a bijection of a counter
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t Generator::next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

float Generator::uniform() { return float(next_u64() >> 40) * (1.0f / 16777216.0f); }  // 24 bits

float Generator::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Generator::normal(float mean, float stddev) {
    // 1 - u keeps log's argument in (0, 1]
    const double u1 = 1.0 - double(next_u64() >> 11) * (1.0 / 9007199254740992.0);
    const double u2 = double(next_u64() >> 11) * (1.0 / 9007199254740992.0);
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    return mean + stddev * float(z);
}

int64_t Generator::randint(int64_t n) {
    // Rejecting draws above the last multiple of n keeps the draw unbiased; n <= 0 would divide by 0.
    CT_CHECK_AS(ValueError, n > 0, "randint: n must be positive, got " << n);
    const uint64_t range = uint64_t(n);
    const uint64_t limit = (~uint64_t(0)) - (~uint64_t(0)) % range;
    uint64_t r;
    do r = next_u64(); while (r >= limit);
    return int64_t(r % range);
}

Generator Generator::for_sample(uint64_t seed, uint64_t epoch, uint64_t index) {
    uint64_t x = seed;
    uint64_t h = splitmix64(x);
    x = h ^ epoch;
    h = splitmix64(x);
    x = h ^ index;
    return Generator(splitmix64(x));
}

}  // namespace ct
