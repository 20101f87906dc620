// Overflow-checked size arithmetic for sizes computed from file contents (IDX, CIFAR, .npy,
// safetensors), so a hostile header cannot wrap a size around to something small: a shape
// [2^32, 2^32] is 2^64 elements, not 0. The readers turn a failure into an error naming the file.
#pragma once
#include <cstdint>

namespace ct {

// out = a * b; false when either is negative or the product overflows int64.
inline bool checked_mul(int64_t a, int64_t b, int64_t& out) {
    return a >= 0 && b >= 0 && !__builtin_mul_overflow(a, b, &out);
}

// The product of `sizes`, or -1 when one is negative or the product passes `limit`.
template <class Sizes>
int64_t checked_product(const Sizes& sizes, int64_t limit = INT64_MAX) {
    int64_t p = 1;
    for (const auto s : sizes)   // a negative signed size is above INT64_MAX as uint64_t
        if (uint64_t(s) > uint64_t(INT64_MAX) || !checked_mul(p, int64_t(s), p) || p > limit) return -1;
    return p;
}

}  // namespace ct
