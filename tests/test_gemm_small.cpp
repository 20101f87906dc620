// Tests of core/gemm_small.cpp (the Winograd driver's unpacked products): C = op(A) B against a float64
// triple loop, on shapes that take every path: whole 6x16 tiles, an 8-column tile, single leftover
// columns, the last rows computed again (M no multiple of 6), A transposed, and the sgemm fallbacks.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/gemm_small.h"
#include "core/random.h"
#include "core/tensor.h"

using namespace ct;

namespace {

void check_product(Transpose ta, int64_t M, int64_t N, int64_t K, uint64_t seed) {
    Generator gen(seed);
    const Tensor A = ta == NoTrans ? Tensor::randn({M, K}, gen) : Tensor::randn({K, M}, gen);
    const Tensor B = Tensor::randn({K, N}, gen);
    std::vector<float> C(size_t(M * N), 12345.f);   // overwritten, whatever it held
    detail::gemm_small(ta, M, N, K, A.data(), B.data(), C.data());
    double worst = 0, scale = 0;
    for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
            double ref = 0;
            for (int64_t k = 0; k < K; ++k) {
                const double a = ta == NoTrans ? A.data()[m * K + k] : A.data()[k * M + m];
                ref += a * double(B.data()[k * N + n]);
            }
            worst = std::max(worst, std::fabs(double(C[size_t(m * N + n)]) - ref));
            scale = std::max(scale, std::fabs(ref));
        }
    INFO((ta == NoTrans ? "A" : "A^T") << " M " << M << " N " << N << " K " << K << ": error " << worst
                                       << " of " << scale);
    // a float32 sum of K products of randn entries: errors ~ sqrt(K) eps of the largest result; a wrong
    // or missing column errs by O(1) of it
    CHECK(worst < 8.0 * std::sqrt(double(K)) * 1.2e-7 * scale);
}

}  // namespace

TEST_CASE("gemm_small: op(A) B against a float64 triple loop") {
    uint64_t seed = 900;
    for (Transpose ta : {NoTrans, Trans}) {
        check_product(ta, 64, 49, 32, seed++);   // E1's forward product: 3 tiles of 16 and a column
        check_product(ta, 32, 49, 64, seed++);   // E1's input-gradient product: 32 rows = 5 tiles + 2 again
        check_product(ta, 6, 16, 1, seed++);     // one tile, K = 1
        check_product(ta, 7, 24, 9, seed++);     // a 16-column tile and an 8-column one; 7 rows
        check_product(ta, 13, 15, 5, seed++);    // an 8-column tile and 7 single columns
        check_product(ta, 12, 8, 100, seed++);   // one 8-column tile, long K
        check_product(ta, 5, 20, 4, seed++);     // M < 6: sgemm
        check_product(ta, 9, 7, 4, seed++);      // N < 8: sgemm
        check_product(ta, 16, 128, 64, seed++);  // B past 16 KB: sgemm
    }
}
