// Core kernels against the machine's own ceiling: conv2d (im2col + sgemm) forward and
// forward+backward beside raw cblas_sgemm on the same GEMM shapes (encoder E2, batch 64),
// matmul on squares, elementwise bandwidth, and the peak memory of an E2 training step.
// Run with `make bench`; figures are medians on 2 threads.
#include <cstdio>
#include <string>

#include "bench/bench_util.h"
#include "core/blas.h"
#include "core/memory.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/random.h"

using namespace ct;
using ct::bench::median_seconds;

namespace {

// E2 (docs/REFERENCE.md) written with raw ops: three stages of conv-BN-ReLU x2 + max-pool, then GAP.
struct E2Raw {
    std::vector<Tensor> conv_w, bn_w, bn_b, rm, rv;
    E2Raw(int64_t w, Generator& gen) {
        int64_t c_in = 3;
        for (int64_t c : {w, 2 * w, 4 * w})
            for (int rep = 0; rep < 2; ++rep) {
                conv_w.push_back(Tensor::randn({c, rep ? c : c_in, 3, 3}, gen).requires_grad_());
                bn_w.push_back(Tensor::ones({c}).requires_grad_());
                bn_b.push_back(Tensor::zeros({c}).requires_grad_());
                rm.push_back(Tensor::zeros({c}));
                rv.push_back(Tensor::ones({c}));
                c_in = c;
            }
    }
    Tensor forward(Tensor x) {
        for (size_t i = 0; i < conv_w.size(); ++i) {
            x = relu(batch_norm(conv2d(x, conv_w[i], Tensor(), 1, 1), bn_w[i], bn_b[i], rm[i], rv[i], true));
            if (i % 2 == 1) x = max_pool2d(x, 2);
        }
        return global_avg_pool2d(x);
    }
};

void peak_memory_e2() {
    Generator gen(0);
    E2Raw net(32, gen);
    Tensor x = Tensor::randn({256, 3, 32, 32}, gen);
    const double before = ct::bench::peak_rss_mib();
    for (int step = 0; step < 3; ++step) sum(net.forward(x)).backward();
    std::printf("E2 (w=32) forward+backward, batch 256: peak resident memory %.0f MiB "
                "(%.0f MiB before the steps; pool peak of live tensors %.0f MiB)\n\n",
                ct::bench::peak_rss_mib(), before, double(memory_stats().peak_live_bytes) / (1 << 20));
}

void conv_vs_sgemm() {
    struct Layer { int64_t c_in, c_out, hw; };
    const Layer layers[] = {{3, 32, 32}, {32, 32, 32}, {32, 64, 16}, {64, 64, 16}, {64, 128, 8}, {128, 128, 8}};
    const int64_t N = 64;
    Generator gen(1);
    std::printf("conv2d 3x3 pad 1 at the E2 (w=32) shapes, batch %ld, GFLOP/s (median):\n", long(N));
    std::printf("%-22s %9s %9s %9s %9s %7s\n", "layer", "sgemm", "conv fwd", "sgemm x3", "conv f+b", "ratio");
    double total_conv = 0, total_gemm = 0;
    for (const Layer& l : layers) {
        Tensor x = Tensor::randn({N, l.c_in, l.hw, l.hw}, gen).requires_grad_();
        Tensor w = Tensor::randn({l.c_out, l.c_in, 3, 3}, gen).requires_grad_();
        const int64_t M = l.c_out, K = l.c_in * 9, P = N * l.hw * l.hw;
        const double flops = 2.0 * double(M) * double(K) * double(P);
        Tensor A = Tensor::randn({M, K}, gen), B = Tensor::randn({K, P}, gen), C = Tensor::empty({M, P});
        Tensor dB = Tensor::empty({K, P}), dA = Tensor::empty({M, K});
        const double t_gemm = median_seconds([&] { gemm(NoTrans, NoTrans, M, P, K, A.data(), B.data(), 0.f, C.data()); });
        // The three products of a training step: forward, weight gradient, input gradient.
        const double t_gemm3 = median_seconds([&] {
            gemm(NoTrans, NoTrans, M, P, K, A.data(), B.data(), 0.f, C.data());
            gemm(NoTrans, Trans, M, K, P, C.data(), B.data(), 0.f, dA.data());
            gemm(Trans, NoTrans, K, P, M, A.data(), C.data(), 0.f, dB.data());
        });
        double t_fwd;
        {
            NoGradGuard no_grad;
            t_fwd = median_seconds([&] { conv2d(x, w, Tensor(), 1, 1); });
        }
        Tensor dy = Tensor::randn({N, l.c_out, l.hw, l.hw}, gen);
        const double t_fb = median_seconds([&] {
            conv2d(x, w, Tensor(), 1, 1).backward(dy);
            x.zero_grad();
            w.zero_grad();
        });
        char name[64];
        std::snprintf(name, sizeof name, "%ld->%ld @%ldx%ld", long(l.c_in), long(l.c_out), long(l.hw), long(l.hw));
        std::printf("%-22s %9.1f %9.1f %9.1f %9.1f %6.0f%%\n", name, flops / t_gemm * 1e-9, flops / t_fwd * 1e-9,
                    3 * flops / t_gemm3 * 1e-9, 3 * flops / t_fb * 1e-9, 100.0 * t_gemm3 / t_fb);
        total_conv += t_fb;
        total_gemm += t_gemm3;
    }
    std::printf("all six layers: conv forward+backward at %.0f%% of raw sgemm (target >= 70%%)\n\n",
                100.0 * total_gemm / total_conv);
}

void matmul_squares() {
    Generator gen(2);
    std::printf("matmul (M=N=K), GFLOP/s:");
    for (int64_t n : {256, 512, 1024, 2048}) {
        Tensor a = Tensor::randn({n, n}, gen), b = Tensor::randn({n, n}, gen);
        NoGradGuard no_grad;
        const double t = median_seconds([&] { matmul(a, b); }, n >= 2048 ? 5 : 11);
        std::printf("  %ld: %.1f", long(n), 2.0 * double(n * n * n) / t * 1e-9);
    }
    std::printf("\n");
}

void bandwidth() {
    Generator gen(3);
    const int64_t n = 1 << 24;   // 64 MiB per tensor: far beyond the caches
    Tensor a = Tensor::randn({n}, gen), b = Tensor::randn({n}, gen);
    NoGradGuard no_grad;
    const double t_add = median_seconds([&] { add(a, b); });
    const double t_relu = median_seconds([&] { relu(a); });
    std::printf("elementwise, %ld floats: add %.1f GB/s (2 reads + 1 write), relu %.1f GB/s (1 read + 1 write)\n",
                long(n), 3.0 * 4 * double(n) / t_add * 1e-9, 2.0 * 4 * double(n) / t_relu * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
    ct::setup_runtime(argv);
    const int threads = argc > 1 ? std::stoi(argv[1]) : 2;
    set_num_threads(threads);
    std::printf("bench_core: %d threads, OpenBLAS core %s\n\n", threads, ct::blas_core_name().c_str());
    peak_memory_e2();   // first: peak resident memory is a whole-process figure
    conv_vs_sgemm();
    matmul_squares();
    bandwidth();
}
