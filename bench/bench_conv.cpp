// Two of conv2d's paths side by side on the 3x3 stride-1 layers of E2 and the 5x5 ones of E1
// (docs/REFERENCE.md): by default im2col + sgemm against Winograd F(2x2,3x3) / F(2x2,5x5)
// (core/conv_winograd.cpp); --paths winograd,winograd4x4 sets F(4x4,3x3) against F(2x2,3x3). Forward
// and forward+backward, median ms. The paths are forced with CONTRAST_CONV and alternated
// call by call, so a burst of load on the shared machine hits both alike. These figures set the rule in choose_conv_algo.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/blas.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/random.h"

using namespace ct;

namespace {

struct Layer {
    int64_t c_in, c_out, hw;
    int64_t k = 3;        // kernel size; padding k / 2 keeps the image size
    bool first = false;   // the network's first layer: its input, the image batch, needs no gradient
};

// E2 of width w: 3->w @32, w->w @32, w->2w @16, 2w->2w @16, 2w->4w @8, 4w->4w @8 (all 3x3, pad 1)
std::vector<Layer> e2_layers(int64_t w) {
    return {{3, w, 32, 3, true}, {w, w, 32}, {w, 2 * w, 16}, {2 * w, 2 * w, 16}, {2 * w, 4 * w, 8}, {4 * w, 4 * w, 8}};
}

// E1 (W1, W2): 1->32 @28 and 32->64 @14, 5x5, pad 2
std::vector<Layer> e1_layers() { return {{1, 32, 28, 5, true}, {32, 64, 14, 5}}; }

double ms_of(const std::function<void()>& f) {
    const double t0 = bench::now_seconds();
    f();
    return 1e3 * (bench::now_seconds() - t0);
}

void compare(const Layer& l, int64_t N, int reps, const std::vector<std::string>& paths) {
    Generator gen(7);
    // the first layer's input is the image batch, which needs no gradient (as in training)
    Tensor x = Tensor::randn({N, l.c_in, l.hw, l.hw}, gen);
    if (!l.first) x.requires_grad_();
    Tensor w = Tensor::randn({l.c_out, l.c_in, l.k, l.k}, gen).requires_grad_();
    const int64_t pad = l.k / 2;
    Tensor dy = Tensor::randn({N, l.c_out, l.hw, l.hw}, gen);
    std::vector<double> fwd[2], fb[2];
    for (int r = 0; r < reps + 1; ++r)   // the first round warms up both paths and is not counted
        for (int p = 0; p < 2; ++p) {
            setenv("CONTRAST_CONV", paths[size_t(p)].c_str(), 1);
            const double tf = ms_of([&] { NoGradGuard ng; conv2d(x, w, Tensor(), 1, pad); });
            const double tb = ms_of([&] {
                conv2d(x, w, Tensor(), 1, pad).backward(dy);
                if (x.requires_grad()) x.zero_grad();
                w.zero_grad();
            });
            if (r > 0) { fwd[p].push_back(tf); fb[p].push_back(tb); }
        }
    unsetenv("CONTRAST_CONV");
    const double f0 = bench::median_of(fwd[0]), f1 = bench::median_of(fwd[1]);
    const double b0 = bench::median_of(fb[0]), b1 = bench::median_of(fb[1]);
    char name[64];
    std::snprintf(name, sizeof name, "%ldx%ld->%ld @%ld k%ld", long(N), long(l.c_in), long(l.c_out), long(l.hw),
                  long(l.k));
    std::printf("%-24s %9.1f %9.1f %6.2fx %10.1f %10.1f %6.2fx\n", name, f0, f1, f0 / f1, b0, b1, b0 / b1);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    ct::setup_runtime(argv);   // see core/parallel.h
    CLI::App app{"conv2d: im2col against Winograd F(2x2,3x3) on E2's layers, F(2x2,5x5) on E1's"};
    std::vector<int64_t> batches{512}, widths{32, 64};
    std::vector<int64_t> c_in, sizes{32};
    std::vector<std::string> paths{"im2col", "winograd"};
    int reps = 5, threads = 2, only = -1, kernel = 3;
    bool e1 = false;
    app.add_option("--batch", batches, "batch sizes")->check(CLI::Range(1, 100000));
    app.add_option("--width", widths, "E2 widths (32: W3, 64: W4)")->check(CLI::Range(1, 4096));
    app.add_option("--reps", reps, "timed calls per path (median over them)")->check(CLI::Range(1, 1000));
    app.add_option("--threads", threads, "OpenMP and OpenBLAS threads")->check(CLI::Range(1, 256));
    app.add_option("--layer", only, "only this layer of E2 (0-5)")->check(CLI::Range(0, 5));
    app.add_option("--c-in", c_in, "instead of E2: layers c -> w (--width) at --hw for each c given (where the rule switches)")
        ->check(CLI::Range(1, 4096));
    app.add_option("--hw", sizes, "with --c-in: image sizes (default 32)")->check(CLI::Range(1, 4096));
    app.add_option("--kernel", kernel, "with --c-in: kernel size, 3 or 5 (padding kernel / 2)")
        ->check(CLI::IsMember({3, 5}));
    app.add_option("--paths", paths, "the two CONTRAST_CONV paths compared (ratio: the first's ms / the second's)")
        ->expected(2)->delimiter(',')->check(CLI::IsMember({"im2col", "winograd", "winograd4x4"}));
    app.add_flag("--e1", e1, "instead of E2: E1's two 5x5 layers (W1, W2), 1->32 @28 and 32->64 @14");
    CLI11_PARSE(app, argc, argv);
    set_num_threads(threads);
    std::printf("conv2d stride 1, %s (a) vs %s (b), median ms of %d alternated calls, %d threads, "
                "OpenBLAS %s, load %.1f\n", paths[0].c_str(), paths[1].c_str(), reps, threads,
                blas_core_name().c_str(), bench::load_average_1min());
    std::printf("%-24s %9s %9s %7s %10s %10s %7s\n", "layer", "fwd a", "fwd b", "a/b", "f+b a", "f+b b", "a/b");
    if (e1) widths.resize(1);   // E1 has one width
    for (int64_t w : widths)
        for (int64_t N : batches) {
            std::vector<Layer> layers = e2_layers(w);
            if (e1) layers = e1_layers();
            if (!c_in.empty()) {
                layers.clear();
                for (int64_t hw : sizes)   // 1 or 3 channels: an image batch, which needs no gradient
                    for (int64_t c : c_in) layers.push_back({c, w, hw, kernel, c == 1 || c == 3});
            }
            for (size_t i = 0; i < layers.size(); ++i)
                if (only < 0 || only == int(i)) compare(layers[i], N, reps, paths);
        }
    std::printf("load %.1f at the end\n", bench::load_average_1min());
}
