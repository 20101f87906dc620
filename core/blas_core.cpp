// Which OpenBLAS kernel runs, and whether it is the widest this CPU can run (see blas_core.h).
#include "core/blas_core.h"

#include <cmath>
#include <vector>

#include "core/blas.h"

namespace ct {

CpuVectorUnits detect_cpu_vector_units() {
    CpuVectorUnits cpu;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    cpu.avx512f = __builtin_cpu_supports("avx512f");
    cpu.avx2 = __builtin_cpu_supports("avx2");
    cpu.fma = __builtin_cpu_supports("fma");
    cpu.amd = __builtin_cpu_is("amd");
#endif
    return cpu;
}

int vector_bits(const CpuVectorUnits& cpu) {
    if (cpu.avx512f) return 512;
    if (cpu.avx2 && cpu.fma) return 256;
    return 128;
}

// 256 stands for the AVX2 + FMA kernels: Sandybridge (AVX without FMA) and the Bulldozer family
// count as 128 because OpenBLAS's Haswell / Zen kernels run products about twice as fast there.
int vector_bits(const std::string& core) {
    for (const char* c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (core == c) return 512;
    for (const char* c : {"Haswell", "Zen"})
        if (core == c) return 256;
    for (const char* c : {"Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2",
                          "Penryn", "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3",
                          "Barcelona", "Nano", "Bobcat", "Sandybridge", "Bulldozer", "Piledriver",
                          "Steamroller", "Excavator"})
        if (core == c) return 128;
    return 0;
}

std::string best_openblas_core(const CpuVectorUnits& cpu) {
    switch (vector_bits(cpu)) {
        case 512: return "SkylakeX";
        case 256: return cpu.amd ? "Zen" : "Haswell";
        default: return "";
    }
}

BlasCoreDecision decide_blas_core(const std::string& chosen, const char* user_setting,
                                  const CpuVectorUnits& cpu) {
    BlasCoreDecision d;
    const int cpu_bits = vector_bits(cpu), core_bits = vector_bits(chosen);
    const std::string best = best_openblas_core(cpu);
    if (core_bits == 0 || best.empty() || core_bits >= cpu_bits) return d;
    const std::string widths = "(" + std::to_string(core_bits) + "-bit) on a CPU with " +
                               std::to_string(cpu_bits) + "-bit vectors";
    if (user_setting != nullptr && *user_setting != '\0') {
        d.message = "contrast: OPENBLAS_CORETYPE=" + std::string(user_setting) + " runs OpenBLAS's " +
                    chosen + " kernel " + widths + "; OPENBLAS_CORETYPE=" + best +
                    " would run matrix products faster if it computes right on this machine";
        return d;
    }
    d.force = best;
    d.message = "contrast: OpenBLAS chose its " + chosen + " kernel " + widths + "; running its " +
                best + " kernel instead (checked against a reference product; set OPENBLAS_CORETYPE "
                "to choose yourself)";
    return d;
}

bool gemm_matches_reference(const GemmFn& gemm_under_test) {
    struct Shape { int M, N, K; bool ta, tb; float beta; };
    // Odd sizes exercise the kernels' edge paths; 67x129x257 spans several register blocks.
    const Shape shapes[] = {{1, 1, 1, false, false, 0.f},   {7, 5, 3, false, true, 1.f},
                            {17, 33, 9, true, false, 0.f},  {67, 129, 257, false, true, 0.f},
                            {64, 48, 100, true, true, 1.f}, {130, 3, 70, false, false, 1.f}};
    for (const Shape& s : shapes) {
        std::vector<float> A(size_t(s.M) * s.K), B(size_t(s.K) * s.N), C(size_t(s.M) * s.N);
        // Small integers: every product and sum is exact in float, whatever the summation order.
        for (size_t i = 0; i < A.size(); ++i) A[i] = float(int(i * 7 % 11) - 5);
        for (size_t i = 0; i < B.size(); ++i) B[i] = float(int(i * 5 % 13) - 6);
        for (size_t i = 0; i < C.size(); ++i) C[i] = float(int(i % 3) - 1);
        std::vector<float> C_in = C;
        gemm_under_test(s.ta, s.tb, s.M, s.N, s.K, A.data(), B.data(), s.beta, C.data());
        for (int m = 0; m < s.M; ++m)
            for (int n = 0; n < s.N; ++n) {
                double want = double(s.beta) * C_in[size_t(m) * s.N + n];
                for (int k = 0; k < s.K; ++k) {
                    const double a = s.ta ? A[size_t(k) * s.M + m] : A[size_t(m) * s.K + k];
                    const double b = s.tb ? B[size_t(n) * s.K + k] : B[size_t(k) * s.N + n];
                    want += a * b;
                }
                if (double(C[size_t(m) * s.N + n]) != want) return false;
            }
    }
    return true;
}

bool blas_gemm_matches_reference() {
    return gemm_matches_reference([](bool ta, bool tb, int M, int N, int K, const float* A,
                                     const float* B, float beta, float* C) {
        gemm(ta ? Trans : NoTrans, tb ? Trans : NoTrans, M, N, K, A, B, beta, C);
    });
}

}  // namespace ct
