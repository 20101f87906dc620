// Which OpenBLAS kernel runs, and whether it is the widest this CPU can run.
//
// Debian's OpenBLAS picks its kernel ("core") from a table of the CPUs it knew when it was
// released. On a newer CPU it falls back to a generic SSE kernel without a word: on a 16-core
// Emerald Rapids host, Debian 12's OpenBLAS 0.3.21 chose Prescott and ran sgemm at 31 GFLOP/s
// where its SkylakeX kernel runs 225. setup_runtime() (core/parallel.h) compares the chosen core
// with the CPU's vector units and, when the core is narrower, restarts once with
// OPENBLAS_CORETYPE set to the best known core for that width (the variable is read when
// OpenBLAS loads, hence the restart). A forced core is trusted only after gemm_matches_reference
// agrees with a plain loop: some OpenBLAS builds compute wrong results with their AVX-512 kernels
// on some CPUs. A user's own OPENBLAS_CORETYPE is always respected; when it is narrower than the
// CPU we say so once.
#pragma once
#include <functional>
#include <string>

namespace ct {

struct CpuVectorUnits {
    bool avx512f = false, avx2 = false, fma = false;
    bool amd = false;   // Zen kernels on AMD, Haswell kernels elsewhere
};
CpuVectorUnits detect_cpu_vector_units();

// Vector width in bits a CPU can use for sgemm (512, 256 with FMA, else 128), and the one an
// OpenBLAS core uses (0: a core this table does not know, never overridden).
int vector_bits(const CpuVectorUnits& cpu);
int vector_bits(const std::string& openblas_core);

// The OpenBLAS core to run on `cpu`: SkylakeX for AVX-512, Zen or Haswell for AVX2 + FMA;
// empty when no core is better than the generic ones.
std::string best_openblas_core(const CpuVectorUnits& cpu);

struct BlasCoreDecision {
    std::string force;     // core to restart with; empty: keep the current one
    std::string message;   // one line for stderr; empty: nothing worth saying
};
// chosen: the core OpenBLAS picked; user_setting: $OPENBLAS_CORETYPE (nullptr when unset).
BlasCoreDecision decide_blas_core(const std::string& chosen, const char* user_setting,
                                  const CpuVectorUnits& cpu);

// C = A B^T products of a few shapes (odd sizes, both transposes, beta 0 and 1, shapes below and
// above the kernels' block sizes) against a double-precision loop.
using GemmFn = std::function<void(bool trans_a, bool trans_b, int M, int N, int K, const float* A,
                                  const float* B, float beta, float* C)>;
bool gemm_matches_reference(const GemmFn& gemm_under_test);
bool blas_gemm_matches_reference();   // the same for ct::gemm, i.e. the OpenBLAS kernel in use

}  // namespace ct
