// OpenMP helpers for the outer loops of elementwise, reduction, im2col and pooling kernels.
// Small loops stay serial (thread start-up costs more than the work). BLAS is never called from
// inside these loops: the Makefile links OpenBLAS's OpenMP build, whose products already use the
// same thread pool, and a nested call would run them on one thread (conv2d's per-image path for
// thin first layers does that on purpose: core/ops_conv.cpp).
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
    [[maybe_unused]] const bool parallel = n * cost_per_item >= kParallelGrain && n > 1;   // read by the pragma only
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

// Call it first thing in main: restarts the program once (same executable, same arguments) when
// the environment the runtime reads at load time needs a change, because libgomp and OpenBLAS read
// their variables only when they load. Two changes, each only when the user has not chosen:
//
// GOMP_SPINCOUNT=10000, unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set. Idle GNU OpenMP threads
// spin before they sleep: 300,000 rounds by default, so on a 2-core machine with anything else
// running (the data loader's workers, another program) the spinning thread takes the core the
// working one needs, and a W1 training step measured 5150 ms instead of 363 ms with two busy
// processes beside it. Not spinning at all (OMP_WAIT_POLICY=passive) was as bad there (4612 ms):
// each of the many short parallel regions of a backward pass then waits for a sleeping thread to
// be scheduled. A short spin keeps both cases fast (W1 on an idle machine: 162 ms, against 170 ms
// by default).
//
// OPENBLAS_CORETYPE, when OpenBLAS chose a kernel narrower than the CPU's vector units (see
// core/blas_core.h: the forced kernel is checked against a reference product after the restart,
// and dropped again if it disagrees). One line on stderr says what was done.
//
// Programs embedding contrast can set both variables in their environment instead.
void setup_runtime(char** argv);

}  // namespace ct
