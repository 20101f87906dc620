// OpenBLAS wrapper and the thread-count switch (OpenMP and OpenBLAS are set together).
#include "core/blas.h"

#include <cblas.h>

#include "core/parallel.h"

namespace ct {

void gemm(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    cblas_sgemm(CblasRowMajor, ta == Trans ? CblasTrans : CblasNoTrans,
                tb == Trans ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), alpha, A, int(lda),
                B, int(ldb), beta, C, int(ldc));
}

void gemm(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, const float* A, const float* B,
          float beta, float* C, float alpha) {
    gemm(ta, tb, M, N, K, alpha, A, ta == NoTrans ? K : M, B, tb == NoTrans ? N : K, beta, C, N);
}

std::string blas_core_name() { return openblas_get_corename(); }

void set_num_threads(int n) {
    if (n < 1) n = 1;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    openblas_set_num_threads(n);
}

int num_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

}  // namespace ct
