// Process-level threading setup (see core/parallel.h); the thread count itself is set in
// core/blas.cpp, next to OpenBLAS.
#include "core/parallel.h"

#include <unistd.h>

#include <cstdlib>

namespace ct {

void limit_openmp_spinning(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
    setenv("GOMP_SPINCOUNT", "10000", 1);
    execv("/proc/self/exe", argv);   // returns only on failure: then run on, spinning
}

}  // namespace ct
