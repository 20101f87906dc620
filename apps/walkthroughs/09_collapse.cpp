// Walkthrough 9: collapse, and how each self-supervised method avoids it. Six methods train the same
// small MNIST encoder from the same weights on the same augmented views: SimCLR and MoCo v2
// (negatives), SimSiam (stop-gradient), BYOL (EMA target + predictor), Barlow Twins and VICReg
// (redundancy reduction), plus two controls built to collapse. Every few steps three indicators and
// Precision@1 are measured on a fixed held-out batch; at the end, a table and five line plots.
// Losses: losses/{nt_xent,moco,negative_cosine,barlow_twins,vicreg}.h; the momentum copy:
// nn/momentum.h; the indicators: apps/lib/collapse.h and losses/alignment_uniformity.h. The CLI's
// versions of the methods (bigger models, the papers' optimisers): apps/contrast/method_*.cpp.
// Run: ./build/walkthroughs/09_collapse [OUT_DIR] [--steps N] [--batch-size B] [--data-dir DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/lib/collapse.h"
#include "apps/lib/metrics.h"
#include "apps/lib/plot.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "data/loader.h"
#include "data/resolve.h"
#include "losses/losses.h"
#include "nn/activations.h"
#include "nn/basic_layers.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/models.h"
#include "nn/momentum.h"
#include "nn/optim.h"
#include "apps/walkthroughs/walkthrough.h"

using namespace ct;
using namespace ct::walkthrough;

namespace {

constexpr int64_t kFeatures = 128, kDim = 64;   // h (the representation) and z (what the loss sees)

// The encoder (784 -> 512 -> 128, h) and projector (128 -> 256 -> 64, z): an MLP, not a ConvNet,
// so that eight runs fit in a few minutes on two cores; BatchNorm in the hidden layers as in every
// one of these papers. Built from one seed, so every method starts from the same weights.
std::shared_ptr<nn::EncoderProjector> make_network(uint64_t seed) {
    Generator gen(seed);
    auto encoder = std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(784, 512, gen, false),
        std::make_shared<nn::BatchNorm1d>(512), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(512, kFeatures, gen)});
    return std::make_shared<nn::EncoderProjector>(encoder, nn::make_projection_head(kFeatures, 256, kDim, gen, 2, true));
}

// The methods. What keeps each from the trivial answer "every image -> one point":
enum class Kind { SimCLR, MoCo, SimSiam, BYOL, Barlow, VICReg, SimSiamNoStopGradient, BYOLNoPredictor };
struct Recipe {
    Kind kind;
    const char* name;
    const char* guard;   // the mechanism against collapse
};
const std::vector<Recipe> kRecipes = {
    {Kind::SimCLR, "SimCLR", "negatives: the other images of the batch"},
    {Kind::MoCo, "MoCo v2", "negatives: a queue of keys from a momentum encoder"},
    {Kind::SimSiam, "SimSiam", "stop-gradient on the target branch + predictor"},
    {Kind::BYOL, "BYOL", "EMA target network + predictor"},
    {Kind::Barlow, "Barlow Twins", "cross-correlation -> identity (redundancy reduction)"},
    {Kind::VICReg, "VICReg", "variance hinge + covariance penalty"},
    {Kind::SimSiamNoStopGradient, "SimSiam, no stop-grad", "none (control): gradient through both branches"},
    {Kind::BYOLNoPredictor, "BYOL, no predictor", "EMA target only (control)"},
};

// One method's run: the online network, and the extras some methods keep.
struct Run {
    Recipe recipe;
    std::shared_ptr<nn::EncoderProjector> net;
    nn::ModulePtr predictor;                  // SimSiam, BYOL
    std::shared_ptr<nn::MomentumCopy> copy;   // MoCo's key encoder, BYOL's target: an EMA of net
    Tensor queue, keys;                       // MoCo: (K,D) unit keys of earlier steps; this step's keys
    int64_t queue_next = 0;
    // recorded on the held-out batch every few steps
    std::vector<double> steps, uniformity, effective_rank, normalized_std, precision;
    double last_loss = 0, seconds = 0;
    double p1_h = 0, p1_z = 0;   // at the end, all test digits against all training digits
};

constexpr float kMomentum = 0.99f;   // MoCo's and BYOL's EMA (papers: 0.999 and 0.996, for 100x more steps)
constexpr int64_t kQueue = 1024;     // MoCo: the keys of the last 4 steps (v2: 65,536 on ImageNet)

Run make_run(const Recipe& recipe) {
    Run r;
    r.recipe = recipe;
    r.net = make_network(9);
    Generator gen(10);
    if (recipe.kind == Kind::SimSiam || recipe.kind == Kind::SimSiamNoStopGradient)
        r.predictor = nn::make_projection_head(kDim, kDim / 4, kDim, gen, 2, true);   // SimSiam's bottleneck, D/4
    if (recipe.kind == Kind::BYOL) r.predictor = nn::make_projection_head(kDim, 4 * kDim, kDim, gen, 2, true);   // BYOL's 4D
    if (recipe.kind == Kind::MoCo || recipe.kind == Kind::BYOL || recipe.kind == Kind::BYOLNoPredictor)
        r.copy = std::make_shared<nn::MomentumCopy>(r.net, make_network(11));   // starts as a copy of net's weights
    if (recipe.kind == Kind::MoCo) r.queue = normalize(Tensor::randn({kQueue, kDim}, gen), 1);   // random keys at first
    return r;
}

// -cos(p, z) averaged over the rows, with the gradient flowing into z too: the control.
Tensor negative_cosine_no_stop(const Tensor& p, const Tensor& z) { return -mean(sum(normalize(p, 1) * normalize(z, 1), 1)); }

// images: (2B,1,28,28), view 1 of B images then view 2 of the same images -> the loss ().
Tensor method_loss(Run& r, const Tensor& images) {
    const int64_t B = images.size(0) / 2;
    const Tensor z = (*r.net)(images);
    const Tensor z1 = narrow(z, 0, 0, B), z2 = narrow(z, 0, B, B);
    switch (r.recipe.kind) {
    case Kind::SimCLR: return nt_xent_loss(z1, z2, 0.5f);
    case Kind::MoCo: {   // each view once the query, once the key; keys and queue carry no gradient
        r.keys = normalize((*r.copy)(images), 1);
        const Tensor k1 = narrow(r.keys, 0, 0, B), k2 = narrow(r.keys, 0, B, B);
        return 0.5f * (moco_loss(z1, k2, r.queue, 0.2f) + moco_loss(z2, k1, r.queue, 0.2f));
    }
    case Kind::SimSiam: {   // simsiam_loss detaches z1, z2: the stop-gradient
        const Tensor p = (*r.predictor)(z);
        return simsiam_loss(narrow(p, 0, 0, B), narrow(p, 0, B, B), z1, z2);
    }
    case Kind::SimSiamNoStopGradient: {
        const Tensor p = (*r.predictor)(z);
        return 0.5f * negative_cosine_no_stop(narrow(p, 0, 0, B), z2) + 0.5f * negative_cosine_no_stop(narrow(p, 0, B, B), z1);
    }
    case Kind::BYOL:
    case Kind::BYOLNoPredictor: {   // the targets come from the EMA copy, without a graph
        const Tensor t = (*r.copy)(images);
        const Tensor p = r.predictor ? (*r.predictor)(z) : z;
        return byol_loss(narrow(p, 0, 0, B), narrow(p, 0, B, B), narrow(t, 0, 0, B), narrow(t, 0, B, B));
    }
    // lambda: the paper's balance of the off-diagonal and diagonal terms, lambda D / N = 0.02
    // (losses/barlow_twins.h), at D = 64 and N = 128: 0.04.
    case Kind::Barlow: return barlow_twins_loss(z1, z2, 0.02f * float(B) / float(kDim));
    case Kind::VICReg: return vicreg_loss(z1, z2);   // the paper's 25 / 25 / 1
    }
    return Tensor();
}

// After the optimizer's step: MoCo enqueues this step's keys over the oldest; the copies follow net.
void after_step(Run& r) {
    if (r.recipe.kind == Kind::MoCo) {
        const int64_t K = r.queue.size(0);
        for (int64_t i = 0; i < r.keys.size(0); ++i, r.queue_next = (r.queue_next + 1) % K)
            std::memcpy(r.queue.data() + r.queue_next * kDim, r.keys.data() + i * kDim, sizeof(float) * kDim);
    }
    if (r.copy) r.copy->update(kMomentum);
}

// A fixed check: held-out test digits (queries) and training digits (references), with labels.
struct Probe {
    Tensor queries, references;
    std::vector<int64_t> query_labels, reference_labels;
};

// The three indicators of z on the held-out batch (eval mode, no graph), and its Precision@1.
void record(Run& r, const Probe& probe, int64_t step) {
    NoGradGuard no_grad;
    r.net->eval();
    const Tensor z = (*r.net)(probe.queries), refs = (*r.net)(probe.references);
    r.net->train();
    r.precision.push_back(retrieval_metrics(z, probe.query_labels, refs, probe.reference_labels).precision_at_1);
    r.steps.push_back(double(step));
    r.uniformity.push_back(uniformity(z).item());
    r.effective_rank.push_back(effective_rank(z));
    r.normalized_std.push_back(normalized_std(z));
}

// Precision@1 of the test digits against the training digits, cosine, on h or on z.
double precision_at_1(const Tensor& test, const Dataset& test_set, const Tensor& train, const Dataset& train_set) {
    return retrieval_metrics(test, test_set.labels, train, train_set.labels).precision_at_1;
}

Tensor representations(nn::EncoderProjector& net, const Tensor& images) {
    NoGradGuard no_grad;
    net.eval();
    const Tensor h = net.representation(images);
    net.train();
    return h;
}

void print_indicators(const char* what, const Tensor& x) {
    std::printf("   %-44s uniformity %7.3f  effective rank %5.1f  std %.4f (x sqrt D: %.2f)\n", what,
                uniformity(x).item(), effective_rank(x), normalized_std(x), normalized_std(x) * std::sqrt(double(x.size(1))));
}

}  // namespace

int main(int argc, char** argv) {
    setup_runtime(argv);   // see core/parallel.h
    std::string out_dir = "runs/walkthroughs/09_collapse", data_dir;
    // 240 steps of 128 images x 2 views (15 epochs of the 2,000-digit sample): the indicators of the
    // six methods have settled and both controls are well on their way to collapse. The eight runs
    // take about 105 s of CPU time in all (under 2 minutes on an idle 2-core machine; 3.5 minutes
    // at load 12). Longer runs (--steps 1200) take the controls further.
    int64_t steps = 240, batch = 128, every = 10;
    CLI::App app{"Walkthrough 9: collapse and how each method avoids it"};
    app.add_option("out_dir", out_dir, "where the pictures go");
    app.add_option("--data-dir", data_dir, "the only folder searched for mnist (the embedded sample needs none)");
    app.add_option("--steps", steps, "training steps of each method")->check(CLI::PositiveNumber);
    app.add_option("--batch-size", batch, "images per step (x 2 views), at least 2")->check(CLI::Range(2, 2000));
    app.add_option("--every", every, "steps between two measurements")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    try {
        const auto t_start = std::chrono::steady_clock::now();
        std::filesystem::create_directories(out_dir);
        const Dataset train = load_dataset("mnist-sample", Split::Train, data_dir);
        const Dataset test = load_dataset("mnist-sample", Split::Test, data_dir);
        say("What you will learn:\n"
            "  1. what collapse is: the trivial way to make two views of an image agree is to map every image\n"
            "     to the same point (complete collapse) or onto a few directions (dimensional collapse);\n"
            "  2. three ways to see it: uniformity, the effective rank of the embeddings, and the std of\n"
            "     their normalised dimensions;\n"
            "  3. how each method avoids it: negatives (SimCLR, MoCo), an asymmetry between the two branches\n"
            "     (SimSiam's stop-gradient, BYOL's moving-average target and predictor), or a loss on the\n"
            "     statistics of the batch (Barlow Twins, VICReg); and that removing the guard collapses;\n"
            "  4. what a collapse costs (Precision@1), and why at first it costs less than the indicators say.\n");

        // ---- 1. the indicators on embeddings made by hand
        say("== 1. Three indicators, on made-up embeddings of 512 points in D = 64:\n"
            "   * uniformity (Wang & Isola 2020): log mean_{i<j} exp(-2 |u_i - u_j|^2) of the unit vectors u;\n"
            "     0 when all points coincide, about -3.9 when they are spread evenly over the sphere;\n"
            "   * effective rank (Roy & Vetterli 2007): exp of the entropy of the normalised singular values\n"
            "     of the centred matrix; 1 when the points vary along one direction, D when along all equally;\n"
            "   * std: the std of each dimension of the unit vectors, averaged over dimensions (SimSiam's\n"
            "     indicator); about 1/sqrt(D) = 0.125 when healthy, 0 when all point the same way.");
        Generator g(1);
        const Tensor gaussian = Tensor::randn({512, kDim}, g);
        const Tensor one_point = expand(Tensor::randn({1, kDim}, g), {512, kDim}) + 1e-3f * Tensor::randn({512, kDim}, g);
        const Tensor line = matmul(Tensor::randn({512, 1}, g), Tensor::randn({1, kDim}, g));
        const Tensor few = matmul(Tensor::randn({512, 4}, g), Tensor::randn({4, kDim}, g));
        print_indicators("Gaussian (healthy)", gaussian);
        print_indicators("one point + noise of 0.1% (complete collapse)", one_point);
        print_indicators("along one line (dimensional collapse, rank 1)", line);
        print_indicators("in a 4-d subspace (dimensional collapse)", few);
        print_indicators("Gaussian + a common offset of length 40", gaussian + 5.f);
        say("   The indicators disagree in instructive ways. Uniformity and std see the 4-d subspace as\n"
            "   nearly healthy (4 directions already spread points on the sphere), the effective rank does\n"
            "   not. A shared offset makes every unit vector point the same way, so uniformity and std call\n"
            "   it a collapse, while the effective rank, computed after centring, does not. The noisy point\n"
            "   has a high effective rank: centred, the noise is all that is left. Read them together.\n");

        // ---- 2. the training runs
        Probe probe;
        const Dataset held_out_set = test.evenly_spaced(512), reference_set = train.evenly_spaced(1000);
        probe.queries = standardise_mnist(held_out_set.all_images());
        probe.query_labels = held_out_set.labels;
        probe.references = standardise_mnist(reference_set.all_images());
        probe.reference_labels = reference_set.labels;
        const Tensor& held_out = probe.queries;
        const Tensor train_images = standardise_mnist(train.all_images()), test_images = standardise_mnist(test.all_images());
        // Milder crops than the CLI's (30-100%): an MLP has no translation invariance of its own, and
        // with 60-100% its neighbours came out better for every method in a trial run.
        const Transform view = transforms::compose({transforms::random_resized_crop(28, {0.6f, 1.f}), transforms::random_affine(10.f),
                                                    transforms::normalize({kMnistMean}, {kMnistStd})});
        std::printf("== 2. Training. Data: the MNIST sample in the repository (%ld training digits, labels unused;\n"
                    "      %ld test digits, 512 of them the held-out batch for the indicators). Views: random resized\n"
                    "      crop (60-100%% of the area), random rotation up to 10 degrees. Network: MLP encoder\n"
                    "      784-512-%ld (h) + projector %ld-256-%ld (z), BatchNorm in the hidden layers; every method\n"
                    "      starts from the same weights and sees the same views. %ld steps of %ld images x 2 views,\n"
                    "      Adam lr 1e-3 for all (the papers' SGD/LARS recipes are tuned for hundreds of epochs; one\n"
                    "      optimiser keeps the method the only difference). Every %ld steps: the indicators of z on\n"
                    "      the held-out batch, and its Precision@1 against 1,000 training digits (cosine on z).\n",
                    long(train.size()), long(test.size()), long(kFeatures), long(kFeatures), long(kDim), long(steps),
                    long(batch), long(every));
        std::vector<Run> runs;
        for (const Recipe& recipe : kRecipes) {
            Run r = make_run(recipe);
            const auto t0 = std::chrono::steady_clock::now();
            BatchSampler sampler(train.size(), batch, true, true, 9);
            LoaderOptions lo;
            lo.workers = 1;
            lo.seed = 9;
            lo.views = transforms::two_views(view);
            Loader loader(train, sampler, lo);
            nn::NamedTensors params = r.net->named_parameters();
            if (r.predictor)
                for (const auto& p : r.predictor->named_parameters()) params.push_back({"predictor." + p.first, p.second});
            nn::AdamOptions ao;
            ao.lr = 1e-3f;
            nn::Adam opt(params, ao);
            record(r, probe, 0);
            double first_loss = 0;
            for (int64_t step = 0, epoch = 0; step < steps; ++epoch) {
                loader.start_epoch(epoch);
                for (Batch b; step < steps && loader.next(b);) {
                    Tensor loss = method_loss(r, b.images);
                    opt.zero_grad();
                    loss.backward();
                    opt.step();
                    after_step(r);
                    if (step == 0) first_loss = loss.item();
                    r.last_loss = loss.item();
                    if (++step % every == 0 || step == steps) record(r, probe, step);
                }
            }
            r.seconds = seconds_since(t0);
            std::printf("   %-22s loss %8.4f -> %8.4f   effective rank %5.1f -> %5.1f   uniformity %6.3f -> %6.3f   P@1 %.3f -> %.3f  (%.0f s)\n",
                        recipe.name, first_loss, r.last_loss, r.effective_rank.front(), r.effective_rank.back(),
                        r.uniformity.front(), r.uniformity.back(), r.precision.front(), r.precision.back(), r.seconds);
            runs.push_back(std::move(r));
        }
        say("");

        // ---- 3. what it cost: the table
        const Tensor untrained_h = representations(*make_network(9), test_images);
        const double p1_pixels = precision_at_1(flatten(test_images, 1), test, flatten(train_images, 1), train);
        const double p1_untrained = precision_at_1(untrained_h, test, representations(*make_network(9), train_images), train);
        say("== 3. At the end: the indicators of z on the held-out batch, and Precision@1 (each of the 1,000 test\n"
            "      digits against the 2,000 training digits, cosine: does its nearest neighbour have its label?)\n"
            "      on the representation h, which downstream tasks use, and on z.");
        std::printf("\n   %-22s %-52s %7s %10s %6s %8s %6s %6s\n", "method", "guard against collapse", "loss", "uniformity",
                    "erank", "std*sqD", "P@1 h", "P@1 z");
        std::vector<std::vector<double>> spectra;
        for (Run& r : runs) {
            NoGradGuard no_grad;
            r.net->eval();
            const Tensor test_z = (*r.net)(test_images), train_z = (*r.net)(train_images);
            r.net->train();
            r.p1_h = precision_at_1(representations(*r.net, test_images), test, representations(*r.net, train_images), train);
            r.p1_z = precision_at_1(test_z, test, train_z, train);
            std::printf("   %-22s %-52s %7.3f %10.3f %6.1f %8.2f %6.3f %6.3f\n", r.recipe.name, r.recipe.guard, r.last_loss,
                        r.uniformity.back(), r.effective_rank.back(), r.normalized_std.back() * std::sqrt(double(kDim)),
                        r.p1_h, r.p1_z);
            r.net->eval();
            spectra.push_back(centred_singular_values((*r.net)(held_out)));
            r.net->train();
        }
        std::printf("   %-22s %-52s %7s %10s %6s %8s %6.3f %6s\n", "untrained network", "", "", "", "", "", p1_untrained, "");
        std::printf("   %-22s %-52s %7s %10s %6s %8s %6.3f %6s\n", "raw pixels", "", "", "", "", "", p1_pixels, "");
        const auto find = [&](Kind k) -> const Run& {
            for (const Run& r : runs)
                if (r.recipe.kind == k) return r;
            throw std::logic_error("no run of that kind");
        };
        const Run &nostop = find(Kind::SimSiamNoStopGradient), &nopred = find(Kind::BYOLNoPredictor),
                  &simsiam = find(Kind::SimSiam), &byol = find(Kind::BYOL);
        const double root_d = std::sqrt(double(kDim));
        const Run* best = &runs.front();   // the guarded method whose z retrieves best
        for (const Run& r : runs)
            if (r.recipe.kind != Kind::SimSiamNoStopGradient && r.recipe.kind != Kind::BYOLNoPredictor && r.p1_z > best->p1_z)
                best = &r;
        std::printf("\n   How to read it:\n"
                    "   * The controls collapse. Without the stop-gradient, SimSiam's loss goes to its floor, -1\n"
                    "     (%.4f), the easy way: z of every digit points the same way (uniformity %.3f, std x sqrt D\n"
                    "     %.2f, against %.2f with the stop-gradient). BYOL without its predictor drifts the same\n"
                    "     way, more slowly (uniformity %.3f, std x sqrt D %.2f; with the predictor %.3f and %.2f):\n"
                    "     an EMA target alone only slows the collapse down.\n"
                    "   * What the collapse costs here is less than the indicators suggest. Precision@1 on z:\n"
                    "     %.3f and %.3f for the controls, %.3f for the best guarded method (%s). The differences\n"
                    "     between digits shrink relative to z's common direction, but float32 keeps them, so cosine\n"
                    "     neighbours outlive the indicators (longer runs push the controls further: --steps 1200);\n"
                    "     a loss that compares distances with a margin or a temperature sees nothing left. h, two\n"
                    "     layers below z, keeps more, which is why every method evaluates on h.\n"
                    "   * A guard against collapse is not a good representation: SimSiam avoids the collapse to a\n"
                    "     point (std x sqrt D %.2f) but its z varies along only ~%.0f directions of %ld (dimensional\n"
                    "     collapse), and its z retrieves with P@1 %.3f. Barlow Twins and VICReg, whose\n"
                    "     losses decorrelate the dimensions, and the contrastive methods, whose negatives push every\n"
                    "     other image away, use the most directions.\n"
                    "   * None of this is accuracy at its best: a few hundred steps of an MLP on 2,000 digits do not\n"
                    "     beat a random network's neighbours on MNIST (the untrained row); the comparison between\n"
                    "     the methods and their controls is the point here.\n\n",
                    nostop.last_loss, nostop.uniformity.back(), nostop.normalized_std.back() * root_d,
                    simsiam.normalized_std.back() * root_d, nopred.uniformity.back(), nopred.normalized_std.back() * root_d,
                    byol.uniformity.back(), byol.normalized_std.back() * root_d, nostop.p1_z, nopred.p1_z, best->p1_z,
                    best->recipe.name, simsiam.normalized_std.back() * root_d, simsiam.effective_rank.back(), long(kDim), simsiam.p1_z);

        // ---- 4. pictures
        std::vector<Series> erank_series, uniformity_series, std_series, spectrum_series, precision_series;
        for (size_t i = 0; i < runs.size(); ++i) {
            const Run& r = runs[i];
            erank_series.push_back({r.recipe.name, r.steps, r.effective_rank});
            uniformity_series.push_back({r.recipe.name, r.steps, r.uniformity});
            precision_series.push_back({r.recipe.name, r.steps, r.precision});
            std::vector<double> s;
            for (double v : r.normalized_std) s.push_back(v * std::sqrt(double(kDim)));
            std_series.push_back({r.recipe.name, r.steps, s});
            std::vector<double> k, log_s;   // the spectrum, each divided by its largest value, log10
            for (size_t j = 0; j < spectra[i].size(); ++j) {
                k.push_back(double(j + 1));
                log_s.push_back(std::log10(std::max(spectra[i][j] / std::max(spectra[i][0], 1e-30), 1e-8)));
            }
            spectrum_series.push_back({r.recipe.name, k, log_s});
        }
        LinePlotOptions lp;
        lp.markers = false;
        lp.x_label = "training step";
        const auto save = [&](const std::vector<Series>& series, const std::string& title, const std::string& y_label,
                              const std::string& file, const std::string& x_label) {
            LinePlotOptions o = lp;
            o.title = title;
            o.y_label = y_label;
            o.x_label = x_label;
            const std::string path = out_dir + "/" + file;
            line_plot(series, o).save_png(path);
            std::printf("   -> %s\n", path.c_str());
        };
        say("== 4. Pictures:");
        save(erank_series, "Effective rank of z (held-out batch, D = 64) during training", "effective rank",
             "effective_rank.png", "training step");
        save(uniformity_series, "Uniformity of z (0: one point; lower: spread over the sphere)", "uniformity",
             "uniformity.png", "training step");
        save(std_series, "std of the normalised z per dimension, x sqrt(D) (1: healthy, 0: collapsed)", "std x sqrt(64)",
             "normalized_std.png", "training step");
        save(precision_series, "Precision@1 of the held-out digits against 1,000 training digits (cosine on z)",
             "Precision@1", "precision_at_1.png", "training step");
        save(spectrum_series, "Singular values of the centred z at the end, each over the largest", "log10 (s_k / s_1)",
             "spectra.png", "k");
        std::printf("\nTotal time %.0f s.\n", seconds_since(t_start));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
