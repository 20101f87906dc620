// Process-level threading setup (see core/parallel.h); the thread count itself is set in
// core/blas.cpp, next to OpenBLAS.
#include "core/parallel.h"

#include <unistd.h>

#include <cstdlib>

namespace ct {

void use_passive_openmp_wait(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);   // returns only on failure: then run on, spinning
}

}  // namespace ct
