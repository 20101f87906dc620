// The losses' cost next to the machine's ceiling: NT-Xent forward + backward at N = 256 pairs
// (512 embeddings), D = 128, against the raw sgemm of the 512 x 512 x 128 similarity product timed
// in the same run (the bound: no more than ~3x that GEMM plus a few elementwise passes),
// and the miners on a batch of 256 (8 classes x 32, as W2). Medians of repeated runs.
#include <cstdio>
#include <functional>
#include <vector>

#include "bench/bench_util.h"
#include "core/blas.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "core/random.h"
#include "losses/losses.h"

using namespace ct;

namespace {
double median_ms(int repeats, const std::function<void()>& f) { return 1e3 * bench::median_seconds(f, repeats, 3); }
}  // namespace

int main(int, char** argv) {
    ct::setup_runtime(argv);
    Generator gen(0);
    const int64_t N = 256, D = 128, M = 2 * N;
    std::printf("losses benchmark, %d threads\n", num_threads());

    // The raw ceiling: one sgemm of the (2N,D) x (D,2N) similarity product.
    const Tensor z = Tensor::randn({M, D}, gen);
    Tensor s = Tensor::empty({M, M});
    const double gemm_ms = median_ms(50, [&] { gemm(NoTrans, Trans, M, M, D, z.data(), z.data(), 0.f, s.data()); });
    const double gflop = 2.0 * double(M) * double(M) * double(D) * 1e-9;
    std::printf("sgemm %lldx%lldx%lld:              %8.3f ms  (%.1f GFLOP/s)\n", (long long)M, (long long)M,
                (long long)D, gemm_ms, gflop / (gemm_ms * 1e-3));

    Tensor z1 = Tensor::randn({N, D}, gen).requires_grad_(true);
    Tensor z2 = Tensor::randn({N, D}, gen).requires_grad_(true);
    const double fwd_ms = median_ms(50, [&] {
        NoGradGuard no_grad;
        nt_xent_loss(z1, z2, 0.5f);
    });
    const double step_ms = median_ms(50, [&] {
        z1.zero_grad();
        z2.zero_grad();
        nt_xent_loss(z1, z2, 0.5f).backward();
    });
    std::printf("nt_xent forward N=%lld D=%lld:          %8.3f ms  (%.2fx sgemm)\n", (long long)N, (long long)D, fwd_ms,
                fwd_ms / gemm_ms);
    std::printf("nt_xent forward+backward:             %8.3f ms  (%.2fx sgemm; goal <= ~3x)\n", step_ms,
                step_ms / gemm_ms);

    const Tensor x = Tensor::randn({N, 64}, gen);
    std::vector<int64_t> labels(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) labels[size_t(i)] = i % 8;
    reset_peak_memory();
    const int64_t live = memory_stats().live_bytes;
    TripletMining mined;
    const double semi_ms = median_ms(10, [&] { mined = triplet_margin_miner(x, labels, 0.2f, TripletType::SemiHard); });
    const double peak_kib = double(memory_stats().peak_live_bytes - live) / 1024.0;
    const double hard_ms = median_ms(10, [&] { batch_hard_miner(x, labels); });
    std::printf("semihard miner, batch %lld (8x32):    %8.3f ms  (%s; tensor peak %.0f KiB)\n", (long long)N, semi_ms,
                mined.summary().c_str(), peak_kib);
    std::printf("batch-hard miner, batch %lld:          %8.3f ms\n", (long long)N, hard_ms);
    Tensor xl = x.detach().requires_grad_(true);
    const double bh_ms = median_ms(10, [&] {
        xl.zero_grad();
        TripletOptions o;
        o.margin = 0.2f;
        o.distance = Distance::euclidean(true);
        batch_hard_triplet_loss(xl, labels, o).backward();
    });
    std::printf("batch-hard triplet loss fwd+bwd:      %8.3f ms\n", bh_ms);
    return 0;
}
