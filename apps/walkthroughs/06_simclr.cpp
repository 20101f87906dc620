// Walkthrough 6: SimCLR on CIFAR-10: the augmented views, the NT-Xent similarity matrix, a short
// training run of E2 (w=32) + projection head, and what it did to the representation (weighted
// kNN, linear probe, alignment and uniformity). By default a 4,000-image subset for 2 epochs;
// --full --epochs N trains on all 50,000. Losses: losses/nt_xent.h, losses/alignment_uniformity.h;
// metrics: apps/lib/metrics.h, apps/lib/linear_probe.h. The CLI's recipe: apps/contrast/setup.cpp.
// Run: ./build/walkthroughs/06_simclr [OUT_DIR] [--full] [--epochs N] [--train-images N] [--data-dir DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/lib/linear_probe.h"
#include "apps/lib/metrics.h"
#include "apps/lib/plot.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "data/loader.h"
#include "data/resolve.h"
#include "losses/losses.h"
#include "nn/models.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "apps/walkthroughs/walkthrough.h"

using namespace ct;
using namespace ct::walkthrough;

namespace {

constexpr float kTemperature = 0.5f;

// (h, z) of every image of `d` after `transform` (eval mode, no graph): h the 128-d encoder
// features that kNN and the probe use, z the 64-d projection the loss sees.
std::pair<Tensor, Tensor> features(nn::EncoderProjector& net, const Dataset& d, const Transform& transform,
                                   uint64_t seed) {
    NoGradGuard no_grad;
    net.eval();
    std::vector<Tensor> hs, zs;
    for (int64_t s = 0; s < d.size(); s += 256) {
        std::vector<Tensor> imgs;
        for (int64_t i = s; i < std::min(d.size(), s + 256); ++i) {
            Generator g = Generator::for_sample(seed, 0, uint64_t(i));
            imgs.push_back(transform(d.image(i), g));
        }
        auto [h, z] = net.forward_both(stack(imgs, 0));
        hs.push_back(h);
        zs.push_back(z);
    }
    net.train();
    return {cat(hs, 0), cat(zs, 0)};
}

struct Report {
    double knn = 0, probe = 0, align_z = 0, uniform_z = 0, align_h = 0, uniform_h = 0;
    double align_z_unrelated = 0;   // the same for pairs of different images: what "aligned" is compared with
};

Report measure(nn::EncoderProjector& net, const Dataset& train, const Dataset& test, const Transform& plain,
               const Transform& augmented) {
    Report r;
    const Tensor train_h = features(net, train, plain, 0).first, test_h = features(net, test, plain, 0).first;
    r.knn = weighted_knn_accuracy(test_h, test.labels, train_h, train.labels, 200, 0.1f);
    r.probe = linear_probe(train_h, train.labels, test_h, test.labels, train.num_classes()).test_accuracy;
    // Two independent augmentations of 500 test images: the positive pairs of SimCLR.
    const Dataset pairs = test.evenly_spaced(500);
    auto [h1, z1] = features(net, pairs, augmented, 1);
    auto [h2, z2] = features(net, pairs, augmented, 2);
    NoGradGuard no_grad;
    r.align_z = alignment(z1, z2).item();
    const int64_t n = z2.size(0);   // partner i -> image i+1: every pair now shows two different images
    r.align_z_unrelated = alignment(z1, cat({narrow(z2, 0, 1, n - 1), narrow(z2, 0, 0, 1)}, 0)).item();
    r.uniform_z = uniformity(z1).item();
    r.align_h = alignment(h1, h2).item();
    r.uniform_h = uniformity(h1).item();
    return r;
}

void print_report(const char* when, const Report& r) {
    std::printf("   %-15s kNN %.4f  probe %.4f  alignment z %.3f (unrelated pairs %.3f) h %.3f  uniformity z %.3f h %.3f\n",
                when, r.knn, r.probe, r.align_z, r.align_z_unrelated, r.align_h, r.uniform_z, r.uniform_h);
}

// The 2B x 2B cosine similarities of a batch [view 1 of images 0..B-1; view 2 of the same], as a
// picture, with the mean probability NT-Xent's softmax gives each anchor's partner. In training
// mode, as the loss sees it: BatchNorm uses this batch's statistics (it also nudges the running
// statistics by one batch, which is why this runs after the evaluation).
void similarity_picture(nn::EncoderProjector& net, const Tensor& views, const std::string& path, const char* when) {
    NoGradGuard no_grad;
    const Tensor z = net(views);
    const int64_t B2 = z.size(0), B = B2 / 2;
    const Tensor sim = cosine_similarity_matrix(z, z);
    const float loss = nt_xent_loss(narrow(z, 0, 0, B), narrow(z, 0, B, B), kTemperature).item();
    double p_partner = 0, gap = 0;
    for (int64_t i = 0; i < B2; ++i) {
        double denom = 0, others = 0;
        const int64_t j = (i + B) % B2;
        for (int64_t k = 0; k < B2; ++k)
            if (k != i) {
                denom += std::exp(double(sim.at({i, k})) / kTemperature);
                if (k != j) others += sim.at({i, k});
            }
        p_partner += std::exp(double(sim.at({i, j})) / kTemperature) / denom / double(B2);
        gap += (sim.at({i, j}) - others / double(B2 - 2)) / double(B2);
    }
    std::printf("   %s: NT-Xent of this batch %.3f; the softmax gives an anchor's partner p = %.3f on average\n"
                "   (chance: 1/%ld = %.3f); partner similarity exceeds the mean of the others by %.3f.\n",
                when, loss, p_partner, long(B2 - 1), 1.0 / double(B2 - 1), gap);
    HeatmapOptions ho;
    ho.title = std::string("cosine similarity of 2 views x ") + std::to_string(B) + " images, " + when;
    ho.x_label = "view 1 of images 0..7 | view 2 of images 0..7";
    ho.y_label = "same order";
    heatmap(sim, ho).save_png(path);
}

}  // namespace

int main(int argc, char** argv) {
    setup_runtime(argv);   // see core/parallel.h
    std::string out_dir = "runs/walkthroughs/06_simclr", data_dir;
    bool full = false;
    int64_t epochs = 2, train_images = 4000, test_images = 1000, batch = 128;
    // SimCLR's recipe (0.12 at batch 256, i.e. 0.06 at 128) is for 15+ epochs; for a run of ~60 steps
    // 0.02 did better (walkthrough 07 at lr 0.06: SimCLR kNN 0.284, at 0.02: 0.307).
    float lr = 0.02f;
    CLI::App app{"Walkthrough 6: SimCLR on CIFAR-10"};
    app.add_option("out_dir", out_dir, "where the pictures go");
    app.add_option("--data-dir", data_dir, "the only folder searched for cifar10 / cifar10-jpg");
    app.add_flag("--full", full, "train on all 50,000 training images and test on all 10,000");
    app.add_option("--epochs", epochs, "training epochs")->check(CLI::PositiveNumber);
    app.add_option("--train-images", train_images, "training subset without --full")->check(CLI::PositiveNumber);
    app.add_option("--batch-size", batch, "images per step (x 2 views)")->check(CLI::PositiveNumber);
    app.add_option("--lr", lr, "SGD learning rate (SimCLR's recipe: 0.12 at batch 256 for long runs)")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);   // lines appear as they are printed, also through tee
    Dataset train, test;
    try {
        ImageFolderOptions train_pick, test_pick;   // without --full, only the subsets are decoded
        train_pick.limit = full ? 0 : train_images;
        test_pick.limit = full ? 0 : test_images;
        train = load_dataset("cifar10", Split::Train, data_dir, train_pick);
        test = load_dataset("cifar10", Split::Test, data_dir, test_pick);
    } catch (const IoError&) {
        std::fprintf(stderr, "error: CIFAR-10 not found in ./data (or --data-dir): run make data DATA_ARGS='--from ../shared/data'\n");
        return 1;
    }
    try {
        const auto t_start = std::chrono::steady_clock::now();
        std::filesystem::create_directories(out_dir);
        say("What you will learn:\n"
            "  1. what SimCLR's augmentations do to an image, and why two views of one image are a positive pair;\n"
            "  2. how NT-Xent reads a batch: a 2B x 2B similarity matrix where each row must pick out its partner;\n"
            "  3. what a short training run changes: weighted kNN and linear-probe accuracy on frozen features,\n"
            "     and Wang & Isola's alignment (positive pairs close) and uniformity (spread over the sphere).\n");
        std::printf("Data: CIFAR-10, %ld training images (unlabelled for SimCLR; labelled only for evaluation),\n"
                    "%ld test images.%s\n\n", long(train.size()), long(test.size()),
                    full ? "" : " A subset spread evenly over the classes; --full for all of it.");

        // ---- 1. the views
        const Transform augment = transforms::simclr_augment(32, 0.5f);
        const Transform norm = transforms::normalize(kCifarMean, kCifarStd);
        const Transform augment_norm = transforms::compose({augment, norm});
        say("== 1. The augmentations (Chen et al. 2020): random resized crop (8-100% of the area, then back\n"
            "      to 32x32), horizontal flip, colour jitter (brightness, contrast, saturation 0.4, hue 0.1)\n"
            "      with p 0.8, grayscale with p 0.2. Two random views of one image share its content but\n"
            "      hardly any pixels: to call them similar the network must see the object, not the colours.");
        std::vector<std::vector<GridCell>> rows;
        std::vector<std::string> row_labels;
        for (int64_t r = 0; r < 6; ++r) {
            const int64_t i = r * train.size() / 6 + 3;
            std::vector<GridCell> row{{train.image(i), true, colors::gray, "original"}};
            for (int v = 0; v < 6; ++v) {
                Generator g = Generator::for_sample(7, uint64_t(v), uint64_t(i));
                row.push_back({augment(train.image(i), g), false, {}, "view " + std::to_string(v + 1)});
            }
            rows.push_back(row);
            row_labels.push_back(train.classes[size_t(train.labels[size_t(i)])]);
        }
        ImageGridOptions go;
        go.title = "SimCLR views: each row is one training image and six random augmentations of it";
        go.row_labels = row_labels;
        go.scale = 3;
        const std::string grid_png = out_dir + "/augmentations.png";
        image_grid(rows, go).save_png(grid_png);
        std::printf("   -> %s\n\n", grid_png.c_str());

        // ---- 2. the loss on a small batch, untrained
        Generator init(6);
        auto net = nn::make_e2_simclr(32, init);
        std::printf("== 2. The model: E2 (w=32: three conv stages, 128-d features h) + projection head\n"
                    "      128 -> 128 -> 64 (z); %ld parameters. NT-Xent (temperature %.1f) on 8 images x 2 views:\n",
                    long(net->num_parameters()), double(kTemperature));
        say("      row i of the similarity matrix is anchor i; its positive is the other view of the same\n"
            "      image (the two bright off-diagonals), the 14 others are its negatives. The loss is the\n"
            "      cross-entropy of a softmax over each row (self excluded) with the partner as the target.");
        std::vector<Tensor> small_views(16);
        for (int64_t k = 0; k < 8; ++k) {
            const int64_t i = k * test.size() / 8;
            for (int64_t v = 0; v < 2; ++v) {
                Generator g = Generator::for_sample(11, uint64_t(v), uint64_t(i));
                small_views[size_t(v * 8 + k)] = augment_norm(test.image(i), g);
            }
        }
        const Tensor small_batch = stack(small_views, 0);
        const std::string sim_before = out_dir + "/similarity_before.png", sim_after = out_dir + "/similarity_after.png";
        auto t0 = std::chrono::steady_clock::now();
        const Report before = measure(*net, train, test, norm, augment_norm);
        similarity_picture(*net, small_batch, sim_before, "before training");
        std::printf("   -> %s\n\n", sim_before.c_str());

        say("== 3. The representation before training (kNN k=200 with temperature 0.1 on cosine similarity;\n"
            "      linear probe: logistic regression on frozen, L2-normalised h, 100 epochs of Adam;\n"
            "      alignment and uniformity on two augmented views of 500 test images):");
        print_report("untrained", before);
        std::printf("   (measured in %.0f s)\n", seconds_since(t0));
        say("   Alignment is the mean squared distance of the two views' unit vectors (0 = identical);\n"
            "   uniformity is log mean exp(-2 |x_i - x_j|^2) over pairs of images (0 = all at one point,\n"
            "   about -4 for points spread evenly over a high-dimensional sphere; lower is more spread).\n"
            "   The untrained net scores a perfect alignment and the worst uniformity at once: in eval mode\n"
            "   its BatchNorm layers use their initial running statistics (mean 0, variance 1), which do\n"
            "   not normalise anything, so after the ReLUs every image's features point in nearly the same\n"
            "   direction. Alignment alone means nothing; a collapsed embedding aligns perfectly. Its\n"
            "   features are still better than chance (10%): the small differences carry colour and texture.\n");

        // ---- 4. training
        BatchSampler sampler(train.size(), batch, true, true, 6);
        LoaderOptions lo;
        lo.workers = 1;
        lo.seed = 6;
        lo.views = transforms::two_views(augment_norm);
        Loader loader(train, sampler, lo);
        nn::SGDOptions so;
        so.lr = lr;
        so.momentum = 0.9f;
        so.weight_decay = 5e-4f;
        nn::SGD opt(net->named_parameters(), so);
        const int64_t steps_per_epoch = int64_t(sampler.batches(0).size()), total = epochs * steps_per_epoch;
        const nn::LrSchedule schedule = nn::LrSchedule::cosine(total);
        std::printf("== 4. Training: %ld epochs x %ld steps of %ld images x 2 views; SGD lr %.3g (cosine to 0),\n"
                    "      momentum 0.9, weight decay 5e-4. Only the images are used, never the labels.\n",
                    long(epochs), long(steps_per_epoch), long(batch), double(lr));
        std::vector<double> loss_x, loss_y;
        int64_t step = 0;
        t0 = std::chrono::steady_clock::now();
        for (int64_t epoch = 0; epoch < epochs; ++epoch) {
            const auto te = std::chrono::steady_clock::now();
            loader.start_epoch(epoch);
            double sum = 0;
            for (Batch b; loader.next(b); ++step) {
                schedule.apply(opt, step);
                const Tensor z = (*net)(b.images);
                const int64_t B = z.size(0) / 2;
                Tensor loss = nt_xent_loss(narrow(z, 0, 0, B), narrow(z, 0, B, B), kTemperature);
                opt.zero_grad();
                loss.backward();
                opt.step();
                sum += loss.item();
                loss_x.push_back(double(step + 1) / double(steps_per_epoch));
                loss_y.push_back(loss.item());
            }
            const double s = seconds_since(te);
            std::printf("   epoch %ld: mean NT-Xent %.4f  (%.0f s, %.0f images/s, data wait %.0f%%)\n", long(epoch + 1),
                        sum / double(steps_per_epoch), s, double(2 * batch * steps_per_epoch) / s,
                        100.0 * loader.stats().wait_seconds / s);
            std::fflush(stdout);
        }
        const double train_seconds = seconds_since(t0);
        std::printf("   The floor of the loss is 0; a model that cannot tell the views apart scores ln(%ld) = %.2f.\n\n",
                    long(2 * batch - 1), std::log(double(2 * batch - 1)));

        say("== 5. After training:");
        const Report after = measure(*net, train, test, norm, augment_norm);
        similarity_picture(*net, small_batch, sim_after, "after training");
        print_report("untrained", before);
        print_report("after training", after);
        std::printf("   What to look for:\n"
                    "   * the heat map: cells (i, i+8), the partners, now stand out in their rows (not all of them\n"
                    "     yet), and the softmax gives the partner more than chance;\n"
                    "   * uniformity of z went from %.3f to %.3f: the loss spread the images over the sphere,\n"
                    "     because every other image of the batch is a negative pushed away;\n"
                    "   * alignment of z is no longer 0, but views of one image (%.3f) sit much closer than two\n"
                    "     different images (%.3f): the network keeps what the augmentations do not change;\n"
                    "   * kNN %.4f -> %.4f and linear probe %.4f -> %.4f, without a single label. %ld steps only\n"
                    "     start the process: the reference PyTorch run reaches 0.575 kNN and 0.582 linear after\n"
                    "     19 epochs on all 50,000 images (docs/REFERENCE.md); try --full --epochs 19.\n",
                    before.uniform_z, after.uniform_z, after.align_z, after.align_z_unrelated, before.knn, after.knn,
                    before.probe, after.probe, long(total));

        LinePlotOptions lp;
        lp.title = "NT-Xent loss per step (batch " + std::to_string(batch) + " x 2 views)";
        lp.x_label = "epoch";
        lp.y_label = "loss";
        lp.markers = false;
        const std::string loss_png = out_dir + "/loss.png";
        line_plot({Series{"NT-Xent", loss_x, loss_y}}, lp).save_png(loss_png);
        std::printf("\nTraining took %.0f s; total time %.0f s.\nFiles written: %s, %s, %s, %s\n", train_seconds,
                    seconds_since(t_start), grid_png.c_str(), sim_before.c_str(), sim_after.c_str(), loss_png.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
