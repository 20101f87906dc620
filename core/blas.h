// The one door to OpenBLAS: row-major sgemm with transposes passed as flags (never copied).
#pragma once
#include <cstdint>
#include <string>

namespace ct {

enum Transpose { NoTrans, Trans };

// C(M,N) = alpha * op(A) op(B) + beta * C, all contiguous row-major; op(A):(M,K), op(B):(K,N).
void gemm(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, const float* A, const float* B,
          float beta, float* C, float alpha = 1.f);
// The same with explicit leading dimensions, for sub-matrices.
void gemm(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The kernel family OpenBLAS loaded for this CPU ("Haswell", "SkylakeX", "Prescott"...).
std::string blas_core_name();

}  // namespace ct
