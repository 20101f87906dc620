// Walkthrough 4: a Siamese network trained with the contrastive loss on MNIST pairs, embedding
// every digit in 2-D (as DrLIM, Hadsell, Chopra & LeCun 2006) so each epoch can be pictured; the
// effect of the margin; and why pulling positive pairs together without pushing negatives collapses.
// Run: ./build/walkthroughs/04_siamese [OUT_DIR] [--data-dir D] [--full] [--epochs E]
// The loss is in losses/contrastive.h, the pair sampler in data/samplers.h, E1 in nn/models.h.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/lib/metrics.h"
#include "apps/lib/plot.h"
#include "core/parallel.h"
#include "core/ops.h"
#include "data/loader.h"
#include "data/resolve.h"
#include "losses/contrastive.h"
#include "nn/models.h"
#include "nn/optim.h"
#include "apps/walkthroughs/walkthrough.h"

using namespace ct;
using namespace ct::walkthrough;

// What we watch, on the test digits: how spread out the embedding is (root mean square distance
// to its centroid), the mean distance of same-digit and of different-digit pairs, and
// Precision@1 (each test digit's nearest other test digit has its label).
struct Watch {
    double spread = 0, same = 0, different = 0, precision_at_1 = 0;
};

static Watch watch(const Tensor& e, const std::vector<int64_t>& labels) {
    Watch w;
    const Tensor centred = e - mean(e, 0, true);
    w.spread = std::sqrt(mean(sum(square(centred), 1)).item());
    const Tensor d = euclidean_distance_matrix(e, e);
    const int64_t n = e.size(0);
    double same = 0, diff = 0;
    int64_t n_same = 0, n_diff = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i + 1; j < n; ++j) {
            const double v = d.data()[i * n + j];
            if (labels[i] == labels[j]) same += v, ++n_same;
            else diff += v, ++n_diff;
        }
    w.same = same / double(n_same);
    w.different = diff / double(n_diff);
    SearchOptions o;
    o.distance = SearchMetric::Euclidean;
    o.exclude_self = true;
    w.precision_at_1 = retrieval_metrics(e, labels, e, labels, o).precision_at_1;
    return w;
}

static std::string margin_name(float m) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "contrastive, margin %g", m);
    return buf;
}

static Image side_by_side(const std::vector<Image>& images) {
    int w = 0, h = 0;
    for (const Image& im : images) w += im.width(), h = std::max(h, im.height());
    Image out(w, h);
    int x = 0;
    for (const Image& im : images) out.paste(im, x, 0), x += im.width();
    return out;
}

static Image picture(const Tensor& e, const Dataset& test, const std::string& title, int size = 420) {
    ScatterOptions o;
    o.title = title;
    o.class_names = test.classes;
    o.size = size;
    o.point_radius = 2.f;
    return scatter_plot(e, test.labels, o);
}

// One training run. positive_only drops the (1 - y) max(0, m - d)^2 term of the loss.
struct Run {
    Run(std::string name, float margin, bool positive_only)
        : name(std::move(name)), margin(margin), positive_only(positive_only) {}
    std::string name;
    float margin;
    bool positive_only;
    std::vector<Tensor> embeddings;   // of the test digits, before training and after each epoch
    std::vector<Watch> watches;
};

static void train(Run& run, const Dataset& train_set, const Dataset& test, int64_t epochs, const std::string& out_dir,
                  bool write_each_epoch) {
    Generator init(1);   // every run starts from the same weights
    std::shared_ptr<nn::Sequential> net = nn::make_e1(2, init);
    PairSampler sampler(train_set.labels, 64, 0, 1);
    LoaderOptions lo;
    lo.workers = 1;
    lo.views = {transforms::normalize({kMnistMean}, {kMnistStd})};
    Loader loader(train_set, sampler, lo);
    nn::AdamOptions ao;
    ao.lr = 1e-3f;
    nn::Adam opt(net->named_parameters(), ao);
    ContrastiveOptions co;
    co.margin = run.margin;
    co.half = false;   // y d^2 + (1 - y) max(0, m - d)^2, the W1 form of docs/REFERENCE.md
    const Tensor test_images = test.all_images();

    std::printf("\n   -- %s\n   epoch   loss     spread  same-digit d  other-digit d  Precision@1   seconds\n",
                run.name.c_str());
    for (int64_t epoch = 0; epoch <= epochs; ++epoch) {
        const auto t0 = std::chrono::steady_clock::now();
        double loss_sum = 0;
        int64_t steps = 0;
        if (epoch > 0) {
            loader.start_epoch(epoch - 1);
            for (Batch b; loader.next(b); ++steps) {
                const int64_t P = b.images.size(0) / 2;   // rows [x1 of every pair, x2 of every pair]
                const Tensor e = (*net)(b.images);        // one pass: the same weights embed both halves
                const Tensor x1 = narrow(e, 0, 0, P), x2 = narrow(e, 0, P, P);
                const Tensor y = Tensor::from_vector(pair_targets(b.labels));
                Tensor loss = run.positive_only ? sum(y * paired_squared_euclidean_distance(x1, x2)) / sum(y)
                                                : contrastive_loss(x1, x2, y, co);
                opt.zero_grad();
                loss.backward();
                opt.step();
                loss_sum += loss.item();
            }
        }
        const double secs = seconds_since(t0);
        run.embeddings.push_back(embed_all(*net, standardise_mnist(test_images)));   // (N,2)
        const Watch w = watch(run.embeddings.back(), test.labels);
        run.watches.push_back(w);
        char loss_text[32] = "     -";
        if (steps > 0) std::snprintf(loss_text, sizeof loss_text, "%8.4f", loss_sum / double(steps));
        std::printf("   %5ld %s %10.4g %13.4g %14.4g %12.3f %9.1f\n", long(epoch), loss_text, w.spread, w.same,
                    w.different, w.precision_at_1, secs);
        if (write_each_epoch) {
            char path[64];
            std::snprintf(path, sizeof path, "/embedding_epoch_%02ld.png", long(epoch));
            picture(run.embeddings.back(), test, run.name + ", epoch " + std::to_string(epoch))
                .save_png(out_dir + path);
        }
    }
}

int main(int argc, char** argv) try {
    ct::setup_runtime(argv);   // see core/parallel.h
    CLI::App app{"Walkthrough 4: a Siamese network with the contrastive loss, a 2-D embedding of MNIST"};
    std::string out_dir = "runs/walkthroughs/04_siamese", data_dir;
    bool full = false;
    int64_t epochs = 0;
    float margin_a = 1.f, margin_b = 3.f;
    app.add_option("out_dir", out_dir, "where the pictures go (created)");
    app.add_option("--data-dir", data_dir, "folder holding mnist/ (default: the usual search, see data/resolve.h)");
    app.add_flag("--full", full, "train and test on the full MNIST (60k/10k) instead of the 2k/1k sample");
    app.add_option("--epochs", epochs, "epochs per run (default 6 on the sample, 1 with --full)")->check(CLI::PositiveNumber);
    app.add_option("--margin", margin_a, "the margin of the main run")->check(CLI::PositiveNumber);
    app.add_option("--second-margin", margin_b, "the margin it is compared with")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    if (epochs == 0) epochs = full ? 1 : 6;   // a full epoch is 468 steps, 30 sample epochs' worth
    const int64_t collapse_epochs = std::max<int64_t>(1, epochs / 2);   // collapse is quick to show
    std::filesystem::create_directories(out_dir);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);   // line by line, also into a pipe or a log
    const auto start = std::chrono::steady_clock::now();

    say("What you will learn:\n"
        "  1. a Siamese network: ONE encoder applied to both images of a pair (shared weights);\n"
        "  2. the contrastive loss L = y d^2 + (1 - y) max(0, m - d)^2: pull similar pairs (y = 1)\n"
        "     together, push dissimilar ones (y = 0) apart until they are m apart, then let go;\n"
        "  3. what the margin m does when the embedding is not normalised;\n"
        "  4. why the pushing term is needed: pulling alone collapses everything to one point.\n");

    const std::string name = full ? "mnist" : "mnist-sample";
    const Dataset train_set = load_dataset(name, Split::Train, data_dir), test = load_dataset(name, Split::Test, data_dir);
    std::printf("== 1. Data: %s, %ld training digits, %ld test digits. Each step takes 64 pairs from a\n"
                "      PairSampler, half of the same digit (y = 1), half of different digits (y = 0).\n"
                "      Model: E1 (the MNIST ConvNet of docs/REFERENCE.md) with D = 2 outputs, so the\n"
                "      embedding can be drawn as it is, no projection. Adam, lr 1e-3, %ld epochs per run.\n",
                name.c_str(), long(train_set.size()), long(test.size()), long(epochs));
    say("      Each run prints, on the test digits: spread = root mean square distance to the centroid;\n"
        "      the mean distance of same-digit and of other-digit pairs; Precision@1 among the test\n"
        "      digits (is a digit's nearest other digit the same digit?). Epoch 0 = before training.");

    std::printf("\n== 2. The contrastive loss with margin m = %g. Watch the clusters form in the pictures\n"
                "      embedding_epoch_NN.png (one per epoch) and embedding_epochs.png (a few side by side).\n",
                margin_a);
    Run main_run{margin_name(margin_a), margin_a, false};
    train(main_run, train_set, test, epochs, out_dir, true);
    std::vector<Image> strip;
    int64_t shown = -1;
    for (int64_t e : {int64_t(0), int64_t(1), epochs / 2, epochs}) {
        if (e <= shown) continue;
        shown = e;
        strip.push_back(picture(main_run.embeddings[size_t(e)], test, "epoch " + std::to_string(e), 320));
    }
    const std::string strip_path = out_dir + "/embedding_epochs.png";
    side_by_side(strip).save_png(strip_path);
    say("   Same-digit pairs end up much closer than other-digit pairs, and the ten digits form ten\n"
        "   clusters in the plane. Two dimensions are few for ten classes: look for digits that\n"
        "   share a border (4 and 9, 3, 5 and 8 are usual neighbours), where the errors are.");

    std::printf("\n== 3. The margin. Train again from the same start with m = %g. Without normalisation the\n"
                "      loss has no other unit of length: m only says how far apart 'apart' is.\n", margin_b);
    Run second{margin_name(margin_b), margin_b, false};
    train(second, train_set, test, epochs, out_dir, false);
    const Watch& wa = main_run.watches.back();
    const Watch& wb = second.watches.back();
    std::printf("\n   after %ld epochs         margin %-6g margin %g\n", long(epochs), margin_a, margin_b);
    std::printf("   spread                  %-12.3f %.3f   (ratio %.2f; margins ratio %.2f)\n", wa.spread, wb.spread,
                wb.spread / wa.spread, margin_b / margin_a);
    std::printf("   other-digit d / m       %-12.3f %.3f\n", wa.different / margin_a, wb.different / margin_b);
    std::printf("   other / same distance   %-12.3f %.3f\n", wa.different / wa.same, wb.different / wb.same);
    std::printf("   Precision@1             %-12.3f %.3f\n", wa.precision_at_1, wb.precision_at_1);
    say("   The embedding grows with the margin: measured in units of m the two runs look alike, and\n"
        "   ranking metrics such as Precision@1 do not care about scale at all. (The loss at margin\n"
        "   m is m^2 times the loss at margin 1 of the embedding shrunk by m, so a bigger margin also\n"
        "   means bigger gradients: with Adam, whose steps ignore the gradient's scale, the net must\n"
        "   travel farther to reach the bigger picture.) What a margin really sets is the ratio to\n"
        "   whatever else has a scale: a weight decay, a normalised embedding (then m is in units of\n"
        "   the sphere's radius, and m > 2 could never be met), or a fixed threshold at test time.");
    const std::string margins_path = out_dir + "/margins.png";
    side_by_side({picture(main_run.embeddings.back(), test, main_run.name, 360),
                  picture(second.embeddings.back(), test, second.name, 360)})
        .save_png(margins_path);

    say("\n== 4. Pull only: the loss y d^2 over the similar pairs, no term for dissimilar ones.");
    Run collapse{"positive pairs only", margin_a, true};
    train(collapse, train_set, test, collapse_epochs, out_dir, false);
    const Watch& w0 = collapse.watches.front();
    const Watch& wc = collapse.watches.back();
    std::printf("\n   spread: %.4g before training -> %.4g after %ld epochs (%.0fx smaller; the contrastive run\n"
                "   reached %.3g). Other-digit pairs are now only %.2fx as far as same-digit pairs (%.2fx at the\n"
                "   random start, %.2fx for the contrastive run) and Precision@1 fell from %.3f to %.3f\n"
                "   (chance is about 0.1).\n",
                w0.spread, wc.spread, long(collapse_epochs), w0.spread / wc.spread, main_run.watches.back().spread,
                wc.different / wc.same, w0.different / w0.same,
                main_run.watches.back().different / main_run.watches.back().same, w0.precision_at_1,
                wc.precision_at_1);
    say("   Every image is pulled towards its partners and nothing holds different digits apart, so\n"
        "   the cheapest solution is a constant: map every image to the same point and the loss is 0.\n"
        "   The network can get there just by shrinking its last layer. What is left of the picture is\n"
        "   the faint structure of the random start, shrinking towards one point; any threshold on\n"
        "   distance now calls every pair 'similar'. The negative term is what makes the task\n"
        "   non-trivial; in SimCLR-style losses the other images of the batch play that role.");
    const std::string collapse_path = out_dir + "/collapse.png";
    // Left: before and after on the same axes (after is a dot). Right: after, blown up x1000 around
    // its centre, to show what little structure is left.
    const Tensor before = collapse.embeddings.front(), after = collapse.embeddings.back();
    std::vector<int64_t> when(size_t(before.size(0)), 0);
    when.resize(size_t(2 * before.size(0)), 1);
    ScatterOptions both;
    both.title = "pull only: before and after";
    both.class_names = {"before training", "after training"};
    both.size = 360;
    both.point_radius = 2.f;
    side_by_side({scatter_plot(cat({before, after}, 0), when, both),
                  picture((after - mean(after, 0, true)) * 1000.f, test, "after, x1000 around its centre", 360)})
        .save_png(collapse_path);

    LinePlotOptions po;
    po.title = "spread of the test embedding (log10)";
    po.markers = false;
    po.x_label = "epoch";
    po.y_label = "log10 spread";
    std::vector<Series> series;
    for (const Run* r : {&main_run, &second, &collapse}) {
        Series s{r->name, {}, {}};
        for (size_t e = 0; e < r->watches.size(); ++e) s.x.push_back(double(e)), s.y.push_back(std::log10(r->watches[e].spread));
        series.push_back(s);
    }
    // An unnamed one-point series draws nothing (no markers, no line) but lifts the y range, so
    // the legend, always top-right, clears the curves.
    series.push_back({"", {0.0}, {std::log10(second.watches.back().spread) + 1.0}});
    const std::string spread_path = out_dir + "/spread.png";
    line_plot(series, po).save_png(spread_path);

    std::printf("\nTook %.1f s. Files written: %s/embedding_epoch_00.png .. _%02ld.png, %s, %s, %s, %s\n",
                seconds_since(start), out_dir.c_str(), long(epochs), strip_path.c_str(), margins_path.c_str(),
                collapse_path.c_str(), spread_path.c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
