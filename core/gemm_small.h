// Small products C = op(A) B without packing, for the Winograd driver (core/conv_winograd.cpp): its
// per-block GEMMs are tiny (E1's 32 -> 64 layer: (64x32) @ (32x49), 36 per image), and OpenBLAS spends
// as long packing A and B and zeroing C (its beta = 0 pass) on them as multiplying. The operands of
// one such product fit in L1, so a register-tiled loop that reads them in place does without all
// three. Internal to core/.
#pragma once
#include <cstdint>

#include "core/blas.h"

namespace ct::detail {

// C(M,N) = op(A) B, overwriting C; op(A):(M,K) is A (M,K) or A^T for A (K,M); B (K,N), all contiguous
// row-major. Runs the register tiles where B fits L1 (K N <= 4096), N >= 8 and 6 <= M <= 1024, else sgemm.
void gemm_small(Transpose ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C);

}  // namespace ct::detail
