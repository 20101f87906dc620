// The OpenBLAS kernel check (core/blas_core.h): which core is narrower than which CPU, what gets
// forced and what is only reported, the product check that guards a forced core, and the one line
// the programs print, seen from outside by running build/contrast with a generic core pinned.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/blas.h"
#include "core/blas_core.h"

using namespace ct;

namespace {

CpuVectorUnits avx512_intel() { return {true, true, true, false}; }
CpuVectorUnits avx2_amd() { return {false, true, true, true}; }
CpuVectorUnits sse_only() { return {false, false, false, false}; }

// stderr and stdout of build/contrast with `env` before it.
std::string run_contrast(const std::string& env, const std::string& args) {
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "contrast";
    FILE* pipe = popen((env + " " + exe.string() + " " + args + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    pclose(pipe);
    return out;
}

}  // namespace

TEST_CASE("blas core: vector widths of CPUs and of OpenBLAS cores") {
    CHECK(vector_bits(avx512_intel()) == 512);
    CHECK(vector_bits(avx2_amd()) == 256);
    CHECK(vector_bits(CpuVectorUnits{false, true, false, false}) == 128);   // AVX2 without FMA
    CHECK(vector_bits(sse_only()) == 128);
    CHECK(vector_bits(std::string("SkylakeX")) == 512);
    CHECK(vector_bits(std::string("Zen")) == 256);
    CHECK(vector_bits(std::string("Prescott")) == 128);
    CHECK(vector_bits(std::string("Sandybridge")) == 128);
    CHECK(vector_bits(std::string("SomeFutureCore")) == 0);
    CHECK(best_openblas_core(avx512_intel()) == "SkylakeX");
    CHECK(best_openblas_core(avx2_amd()) == "Zen");
    CHECK(best_openblas_core(CpuVectorUnits{false, true, true, false}) == "Haswell");
    CHECK(best_openblas_core(sse_only()).empty());
}

TEST_CASE("blas core: a generic core on a wider CPU is replaced, unless the user chose it") {
    SUBCASE("the Emerald Rapids case: Prescott on AVX-512 becomes SkylakeX") {
        const BlasCoreDecision d = decide_blas_core("Prescott", nullptr, avx512_intel());
        CHECK(d.force == "SkylakeX");
        CHECK(d.message.find("Prescott kernel (128-bit) on a CPU with 512-bit vectors") != std::string::npos);
    }
    SUBCASE("an AVX2 machine given the generic core gets Zen on AMD") {
        CHECK(decide_blas_core("Nehalem", "", avx2_amd()).force == "Zen");   // empty variable: unset
    }
    SUBCASE("a core as wide as the CPU, or one the table does not know, is left alone") {
        for (const char* core : {"Zen", "SkylakeX", "SomeFutureCore"}) {
            const BlasCoreDecision d = decide_blas_core(core, nullptr, avx2_amd());
            CHECK(d.force.empty());
            CHECK(d.message.empty());
        }
        CHECK(decide_blas_core("Prescott", nullptr, sse_only()).force.empty());
    }
    SUBCASE("a user's pin is kept; when narrower than the CPU it is reported") {
        const BlasCoreDecision d = decide_blas_core("Haswell", "Haswell", avx512_intel());
        CHECK(d.force.empty());
        CHECK(d.message.find("OPENBLAS_CORETYPE=Haswell") != std::string::npos);
        CHECK(d.message.find("OPENBLAS_CORETYPE=SkylakeX") != std::string::npos);
        CHECK(decide_blas_core("SkylakeX", "SkylakeX", avx512_intel()).message.empty());
    }
}

TEST_CASE("blas core: the product check accepts the kernel in use and catches a wrong one") {
    CHECK(blas_gemm_matches_reference());
    const GemmFn exact = [](bool ta, bool tb, int M, int N, int K, const float* A, const float* B,
                            float beta, float* C) {
        gemm(ta ? Trans : NoTrans, tb ? Trans : NoTrans, M, N, K, A, B, beta, C);
    };
    CHECK(gemm_matches_reference(exact));
    // The failures seen in the field: a kernel that is wrong only at an edge of a block.
    const GemmFn wrong_corner = [&](bool ta, bool tb, int M, int N, int K, const float* A,
                                    const float* B, float beta, float* C) {
        exact(ta, tb, M, N, K, A, B, beta, C);
        if (M > 60) C[size_t(M) * N - 1] += 1.f;
    };
    CHECK_FALSE(gemm_matches_reference(wrong_corner));
    const GemmFn ignores_beta = [&](bool ta, bool tb, int M, int N, int K, const float* A,
                                    const float* B, float, float* C) { exact(ta, tb, M, N, K, A, B, 0.f, C); };
    CHECK_FALSE(gemm_matches_reference(ignores_beta));
}

TEST_CASE("blas core: the programs say when a pinned core is narrower than the CPU") {
    const CpuVectorUnits cpu = detect_cpu_vector_units();
    if (best_openblas_core(cpu).empty()) return;   // an SSE-only CPU: nothing is narrower
    const std::string out = run_contrast("OPENBLAS_CORETYPE=Prescott", "--help");
    CHECK(out.find("OPENBLAS_CORETYPE=Prescott runs OpenBLAS's Prescott kernel") != std::string::npos);
    CHECK(run_contrast("", "--help").find("OPENBLAS_CORETYPE=Prescott") == std::string::npos);
}

TEST_CASE("blas core: after the restart, a forced core is checked, kept and announced") {
    const CpuVectorUnits cpu = detect_cpu_vector_units();
    const std::string best = best_openblas_core(cpu);
    if (best.empty()) return;
    // What setup_runtime leaves for the restarted process when OpenBLAS had chosen Prescott.
    const std::string out = run_contrast("CONTRAST_BLAS_FORCED='Prescott>" + best + "' OPENBLAS_CORETYPE=" + best, "--help");
    CHECK(out.find("OpenBLAS chose its Prescott kernel") != std::string::npos);
    CHECK(out.find("running its " + best + " kernel instead") != std::string::npos);
}
