// Process-level runtime setup (see core/parallel.h); the thread count itself is set in
// core/blas.cpp, next to OpenBLAS.
#include "core/parallel.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/blas.h"
#include "core/blas_core.h"

namespace ct {
namespace {

// Set across the restart that forces a BLAS core: "<chosen>><forced>", or "rejected" once a
// forced core failed its check (kept, so child processes do not try again).
constexpr const char* kForcedCoreVar = "CONTRAST_BLAS_FORCED";

// Returns whether the program must restart to apply what it set.
bool choose_blas_core() {
    if (const char* forced = std::getenv(kForcedCoreVar)) {
        const std::string marker = forced;
        if (marker == "rejected") return false;
        const std::string chosen = marker.substr(0, marker.find('>'));
        const std::string core = marker.substr(marker.find('>') + 1);
        if (blas_gemm_matches_reference()) {
            std::fprintf(stderr, "%s\n", decide_blas_core(chosen, nullptr, detect_cpu_vector_units()).message.c_str());
            unsetenv(kForcedCoreVar);   // children see OPENBLAS_CORETYPE as a setting and keep it
            return false;
        }
        std::fprintf(stderr, "contrast: OpenBLAS's %s kernel disagrees with a reference product on this "
                     "machine; keeping its own choice, %s\n", core.c_str(), chosen.c_str());
        unsetenv("OPENBLAS_CORETYPE");
        setenv(kForcedCoreVar, "rejected", 1);
        return true;
    }
    const BlasCoreDecision d =
        decide_blas_core(blas_core_name(), std::getenv("OPENBLAS_CORETYPE"), detect_cpu_vector_units());
    if (d.force.empty()) {
        if (!d.message.empty()) std::fprintf(stderr, "%s\n", d.message.c_str());
        return false;
    }
    setenv("OPENBLAS_CORETYPE", d.force.c_str(), 1);
    setenv(kForcedCoreVar, (blas_core_name() + ">" + d.force).c_str(), 1);
    return true;
}

bool limit_openmp_spinning() {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return false;
    setenv("GOMP_SPINCOUNT", "10000", 1);
    return true;
}

}  // namespace

// execv returns only on failure: the program then runs on as it is. The spin restart comes first
// so that the BLAS line is printed once, by the process that stays.
void setup_runtime(char** argv) {
    if (limit_openmp_spinning()) execv("/proc/self/exe", argv);
    if (choose_blas_core()) execv("/proc/self/exe", argv);
}

}  // namespace ct
