// Data pipeline speed: loading the real datasets, decoding the CIFAR-10 JPEG folder, the SimCLR
// CIFAR augmentation pipeline alone (512 views of 32x32 as docs/REFERENCE.md defines),
// and the time the W3 training loop
// (E2 w=32 + head, NT-Xent, SGD, 256 images x 2 views) waits for the loader on 2 threads.
// Usage: bench_data [W3 steps, default 3]. Uses ./data (run `make data DATA_ARGS='--from ../shared/data'`); without CIFAR-10 it falls back
// to random 32x32 images, which cost the same to augment.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_util.h"
#include "core/parallel.h"
#include "data/image_folder.h"
#include "data/loader.h"
#include "data/resolve.h"
#include "losses/nt_xent.h"
#include "nn/models.h"
#include "nn/optim.h"

using namespace ct;
using ct::bench::median_seconds;
using ct::bench::now_seconds;

namespace {

Dataset random_cifar_like(int64_t n) {
    Dataset ds;
    ds.name = "random 32x32";
    ds.channels = 3;
    ds.height = ds.width = 32;
    ds.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    Generator gen(1);
    ds.pixels.resize(size_t(n * 3 * 32 * 32));
    for (auto& p : ds.pixels) p = uint8_t(gen.next_u64());
    for (int64_t i = 0; i < n; ++i) ds.labels.push_back(i % 10);
    return ds;
}

Dataset load_or_random() {
    try {
        double t0 = now_seconds();
        Dataset mnist = load_dataset("mnist", Split::Train);
        std::printf("load mnist train (60k IDX gz):           %7.2f s\n", now_seconds() - t0);
        t0 = now_seconds();
        Dataset cifar = load_dataset("cifar10", Split::Train);
        const double s = now_seconds() - t0;
        std::printf("load cifar10 train (%lld images, 2 thr): %7.2f s  (%.0f images/s)\n",
                    (long long)cifar.size(), s, double(cifar.size()) / s);
        return cifar;
    } catch (const Error& e) {
        std::printf("real data not found (%s)\n  -> random 32x32 images instead\n", e.what());
        return random_cifar_like(50000);
    }
}

// JPEG folder decoding alone (libjpeg-turbo through data/image_decode.h), one thread, on the
// CIFAR-10 JPEG test split when ./data holds it.
void bench_jpeg_folder() {
    try {
        const std::string dir = find_dataset("cifar10-jpg", Split::Test) + "/test";
        ImageFolderOptions o;
        o.threads = 1;
        int64_t n = 0;
        const double s = median_seconds([&] { n = load_image_folder(dir, o).size(); }, 5, 1);
        std::printf("decode cifar10-jpg test (%lld JPEGs), 1 thread: %6.2f s  (%.0f images/s)\n", (long long)n, s,
                    double(n) / s);
    } catch (const Error&) {
        std::printf("cifar10-jpg not found: JPEG folder decoding not measured\n");
    }
}

}  // namespace

int main(int argc, char** argv) try {
    ct::setup_runtime(argv);
    const int steps = argc > 1 ? std::atoi(argv[1]) : 3;   // W3 steps are seconds each on 2 cores
    set_num_threads(2);
    const Dataset train = load_or_random();
    bench_jpeg_folder();
    const Transform aug = transforms::simclr_augment(32);
    const std::vector<Transform> views = transforms::two_views(aug);

    // ---- the augmentation pipeline alone, one thread: 256 images x 2 views = 512 views
    std::vector<int64_t> idx(256);
    for (int64_t i = 0; i < 256; ++i) idx[size_t(i)] = i * 7;
    int64_t epoch = 0;
    const double aug_s = median_seconds([&] { make_batch(train, idx, views, 1, epoch++, 0); }, 11, 2);
    std::printf("SimCLR augmentation, 512 views 32x32, 1 thread: %6.1f ms  (%.0f views/s)\n", aug_s * 1e3, 512 / aug_s);

    // ---- W3 with the loader: wait time as a share of the step
    Generator gen(0);
    auto model = nn::make_e2_simclr(32, gen);
    nn::SGDOptions so;
    so.lr = 0.01f;
    so.momentum = 0.9f;
    nn::SGD opt(model->named_parameters(), so);
    const BatchSampler sampler(train.size(), 256, true, true, 1);
    for (int workers : {0, 2}) {   // 0: batches made inside next(), the cost without prefetching
        LoaderOptions o;
        o.workers = workers;
        o.prefetch = 2;
        o.seed = 1;
        o.views = views;
        Loader loader(train, sampler, o);
        loader.start_epoch(0);
        Batch b;
        double step_total = 0;
        double wait_before = 0;
        for (int s = 0; s < steps + 1; ++s) {
            const double t0 = now_seconds();
            if (!loader.next(b)) break;
            const Tensor z = model->forward(b.images);                      // (512, 64)
            const int64_t B = z.size(0) / 2;
            const Tensor loss = nt_xent_loss(narrow(z, 0, 0, B), narrow(z, 0, B, B), 0.5f);
            opt.zero_grad();
            loss.backward();
            opt.step();
            if (s == 0) wait_before = loader.stats().wait_seconds;           // first step is warm-up
            else step_total += now_seconds() - t0;
        }
        const LoaderStats st = loader.stats();
        const double wait = st.wait_seconds - wait_before;
        std::printf("W3 step with loader workers=%d: %7.1f ms/step, waited %6.1f ms/step = %5.2f%% of the step\n",
                    workers, step_total / steps * 1e3, wait / steps * 1e3, 100 * wait / step_total);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
