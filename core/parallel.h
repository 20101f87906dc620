// OpenMP helpers for the outer loops of elementwise, reduction, im2col and pooling kernels.
// Small loops stay serial (thread start-up costs more than the work). BLAS is never called from
// inside these loops: OpenBLAS runs its own threads and the two would oversubscribe the cores.
#pragma once
#include <cstdint>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace ct {

constexpr int64_t kParallelGrain = 1 << 15;   // elements; below this a loop runs on one thread

// f(begin, end) over [0, n) split into per-thread chunks when n * cost_per_item is large.
template <class F>
void parallel_for(int64_t n, F f, int64_t cost_per_item = 1) {
    const bool parallel = n * cost_per_item >= kParallelGrain && n > 1;
#pragma omp parallel if (parallel)
    {
#ifdef _OPENMP
        const int64_t threads = omp_get_num_threads();
        const int64_t t = omp_get_thread_num();
#else
        const int64_t threads = 1, t = 0;
#endif
        const int64_t chunk = (n + threads - 1) / threads;
        const int64_t begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
        if (begin < end) f(begin, end);
    }
}

void set_num_threads(int n);   // OpenMP and OpenBLAS together
int num_threads();

// Restarts the program with OMP_WAIT_POLICY=PASSIVE unless the variable is already set; call it
// first thing in main. By default GNU OpenMP threads spin after every parallel region, and on a
// 2-core machine that spinning takes the CPU from the other compute thread when anything else
// runs (the data loader's workers, another program): an E1 training step measured 2.5-4x slower
// under load with spinning threads. The variable is read once, when libgomp loads, hence the
// restart (the same executable, the same arguments). Programs embedding contrast can instead set
// OMP_WAIT_POLICY=passive in their environment.
void use_passive_openmp_wait(char** argv);

}  // namespace ct
