// The training-step workloads of docs/REFERENCE.md: W1 mnist-siamese, W2 mnist-triplet, W3
// cifar-simclr, W4 cifar-simclr-wide (zero_grad + forward + loss + backward + SGD step on random
// inputs), as ms/step, images/s and GFLOP/s, and the peak resident memory of 30 W3 steps (in a
// child process, so that ru_maxrss sees nothing else). --profile splits a step per layer.
// scripts/bench_peer.sh runs the PyTorch peer beside it; results are in docs/PERFORMANCE.md.
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "core/autograd.h"
#include "core/blas.h"
#include "core/memory.h"
#include "core/parallel.h"
#include "losses/losses.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/models.h"
#include "nn/optim.h"

using namespace ct;
using bench::median_of;
using bench::now_seconds;
using Json = nlohmann::json;

namespace {

const std::vector<std::string> kWorkloads = {"mnist-siamese", "mnist-triplet", "cifar-simclr", "cifar-simclr-wide"};

struct Options {
    std::string workload = "all", json_path;
    int steps = 20, warmup = 3, threads = 2, profile_steps = 5, memory_steps = 30;
    uint64_t seed = 0;
    bool profile = false, no_memory = false;
};

struct Batch {
    std::vector<Tensor> views;   // concatenated along N into the model input inside the step, as the peer does
    Tensor y;                    // W1's pair labels: 1 similar, 0 not
};

struct Workload {
    std::string name, description;
    nn::ModulePtr model;
    Shape image;               // one input image (C,H,W)
    int64_t images = 0;        // per step
    double spec_mflops = 0;    // forward MFLOP per image as docs/REFERENCE.md states it
    std::function<Batch(Generator&)> make_batch;
    std::function<Tensor(const Tensor& embeddings, const Batch&)> loss;
};

Tensor model_input(const Batch& b) { return b.views.size() == 1 ? b.views[0] : cat(b.views, 0); }

Workload make_workload(const std::string& name, Generator& gen) {
    Workload w;
    w.name = name;
    if (name == "mnist-siamese") {
        const int64_t pairs = 128;
        w.description = "E1 D=64, 128 pairs (256 images), contrastive y*d^2 + (1-y)*max(0,1-d)^2";
        w.model = nn::make_e1(64, gen);
        w.image = {1, 28, 28};
        w.images = 2 * pairs;
        w.spec_mflops = 22.96;
        w.make_batch = [pairs](Generator& g) {
            Batch b{{Tensor::randn({pairs, 1, 28, 28}, g), Tensor::randn({pairs, 1, 28, 28}, g)}, Tensor()};
            std::vector<float> y(size_t(pairs), 0.f);
            for (float& v : y) v = float(g.randint(2));
            b.y = Tensor::from_vector(y);
            return b;
        };
        w.loss = [pairs](const Tensor& e, const Batch& b) {
            ContrastiveOptions o;
            o.margin = 1.f;
            o.half = false;   // W1's form: no 1/2 factors
            return contrastive_loss(narrow(e, 0, 0, pairs), narrow(e, 0, pairs, pairs), b.y, o);
        };
    } else if (name == "mnist-triplet") {
        const int64_t classes = 8, per_class = 32, n = classes * per_class;
        std::vector<int64_t> labels(size_t(n), 0);
        for (int64_t i = 0; i < n; ++i) labels[size_t(i)] = i / per_class;
        w.description = "E1 D=64, 256 images (8 classes x 32), batch-hard triplet m=0.2 on L2-normalised embeddings";
        w.model = nn::make_e1(64, gen);
        w.image = {1, 28, 28};
        w.images = n;
        w.spec_mflops = 22.96;
        w.make_batch = [n](Generator& g) { return Batch{{Tensor::randn({n, 1, 28, 28}, g)}, Tensor()}; };
        w.loss = [labels](const Tensor& e, const Batch&) {
            TripletOptions o;
            o.margin = 0.2f;
            o.distance = Distance::euclidean(/*normalize=*/true);
            return batch_hard_triplet_loss(e, labels, o);
        };
    } else if (name == "cifar-simclr" || name == "cifar-simclr-wide") {
        const bool wide = name == "cifar-simclr-wide";
        const int64_t width = wide ? 64 : 32, n = 256;
        w.description = std::string("E2 w=") + (wide ? "64" : "32") + " + head, 256 images x 2 views, NT-Xent tau=0.5";
        w.model = nn::make_e2_simclr(width, gen);
        w.image = {3, 32, 32};
        w.images = 2 * n;
        w.spec_mflops = wide ? 305.7 : 77.3;
        w.make_batch = [n](Generator& g) {
            return Batch{{Tensor::randn({n, 3, 32, 32}, g), Tensor::randn({n, 3, 32, 32}, g)}, Tensor()};
        };
        w.loss = [n](const Tensor& z, const Batch&) {
            return nt_xent_loss(narrow(z, 0, 0, n), narrow(z, 0, n, n), 0.5f);
        };
    } else {
        CT_THROW(ValueError, "bench_workloads: unknown workload '" << name
                                 << "'; expected all, mnist-siamese, mnist-triplet, cifar-simclr or cifar-simclr-wide");
    }
    return w;
}

// The leaf modules in call order. Our models are chains (Sequential, EncoderProjector = encoder
// then head), so calling the leaves one after another is the model's forward; check_layers verifies it.
using Layer = std::pair<std::string, nn::Module*>;
void leaf_layers(nn::Module& m, const std::string& prefix, std::vector<Layer>& out) {
    if (m.named_children().empty()) {
        out.push_back({prefix, &m});
        return;
    }
    for (const auto& [name, child] : m.named_children())
        leaf_layers(*child, prefix.empty() ? name : prefix + "." + name, out);
}

// Forward FLOPs of one image per layer: 2 x the multiply-adds of each Conv2d and Linear (BN, ReLU,
// pooling and the loss are not counted), the spec's and the peer's convention. One probe pass in
// eval mode records output sizes; it also checks that the leaf chain reproduces model->forward.
std::vector<double> layer_flops(Workload& w, const std::vector<Layer>& layers) {
    NoGradGuard no_grad;
    w.model->eval();   // BatchNorm running statistics stay untouched
    Generator gen(7);
    Shape probe_shape{2};
    probe_shape.insert(probe_shape.end(), w.image.begin(), w.image.end());
    Tensor x = Tensor::randn(probe_shape, gen);
    const Tensor reference = (*w.model)(x);
    std::vector<double> flops;
    for (const auto& [name, m] : layers) {
        x = (*m)(x);
        double f = 0;
        if (auto* c = dynamic_cast<nn::Conv2d*>(m))
            f = 2.0 * double(x.numel() / x.size(0)) * double(c->in_channels * c->kernel_size * c->kernel_size);
        else if (auto* l = dynamic_cast<nn::Linear*>(m))
            f = 2.0 * double(l->in_features) * double(l->out_features);
        flops.push_back(f);
    }
    CT_CHECK_AS(ValueError, x.shape() == reference.shape() && std::equal(x.data(), x.data() + x.numel(), reference.data()),
                "bench_workloads: " << w.name << ": calling the leaf modules in order does not reproduce the model's forward");
    w.model->train();
    return flops;
}

long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

Json summary(const std::vector<double>& seconds) {
    const auto [lo, hi] = std::minmax_element(seconds.begin(), seconds.end());
    return {{"median", 1e3 * median_of(seconds)}, {"min", 1e3 * *lo}, {"max", 1e3 * *hi}};
}

// One workload: warm-up steps, then timed steps, split (as the peer) into zero_grad + forward +
// loss, backward, and optimizer step.
Json run_workload(Workload& w, const Options& opt, double fwd_flops) {
    Generator gen(opt.seed + 1);
    const std::vector<Batch> batches = {w.make_batch(gen), w.make_batch(gen)};   // drawn before timing, cycled
    nn::SGDOptions so;
    so.lr = 0.01f;
    so.momentum = 0.9f;
    nn::SGD sgd(w.model->named_parameters(), so);
    w.model->train();
    reset_peak_memory();
    const double load_before = bench::load_average_1min();
    std::vector<double> fwd, bwd, optim, step;
    std::vector<float> losses;
    long faults_at_timing = 0;   // minor page faults: fresh memory touched (the pool should make it ~0)
    for (int i = 0; i < opt.warmup + opt.steps; ++i) {
        if (i == opt.warmup) faults_at_timing = minor_faults();
        const Batch& b = batches[size_t(i) % batches.size()];
        const double t0 = now_seconds();
        sgd.zero_grad();
        Tensor loss = w.loss((*w.model)(model_input(b)), b);
        const double t1 = now_seconds();
        loss.backward();
        const double t2 = now_seconds();
        sgd.step();
        const double t3 = now_seconds();
        losses.push_back(loss.item());
        if (i < opt.warmup) continue;
        fwd.push_back(t1 - t0);
        bwd.push_back(t2 - t1);
        optim.push_back(t3 - t2);
        step.push_back(t3 - t0);
    }
    for (size_t i = 0; i < losses.size(); ++i)
        CT_CHECK_AS(ValueError, std::isfinite(losses[i]),
                    "bench_workloads: " << w.name << ": loss of step " << i << " is " << losses[i]);
    const double med = median_of(step);
    const double step_flops = 3.0 * fwd_flops * double(w.images);
    Json r = {{"workload", w.name}, {"description", w.description}, {"threads", num_threads()},
              {"warmup", opt.warmup}, {"steps", opt.steps}, {"images_per_step", w.images},
              {"params", w.model->num_parameters()}, {"fwd_flops_per_image", fwd_flops},
              {"step_flops", step_flops}, {"step_ms", summary(step)}, {"forward_loss_ms", summary(fwd)},
              {"backward_ms", summary(bwd)}, {"optimizer_ms", summary(optim)},
              {"images_per_s", double(w.images) / med}, {"gflops_achieved", step_flops / med * 1e-9},
              {"loss_first", losses.front()}, {"loss_last", losses.back()},
              {"pool_peak_live_mib", double(memory_stats().peak_live_bytes) / (1 << 20)},
              {"page_faults_per_step", double(minor_faults() - faults_at_timing) / opt.steps},
              {"load_before", load_before}, {"load_after", bench::load_average_1min()}};
    for (double s : step) r["all_step_ms"].push_back(1e3 * s);
    return r;
}

void print_result(const Json& r) {
    const Json& s = r["step_ms"];
    std::printf("%-18s step %7.1f ms [%.1f-%.1f] (fwd+loss %.1f, bwd %.1f, opt %.1f) | %6.0f img/s | %6.1f GFLOP/s"
                " | loss %.4f -> %.4f | %.0f faults/step | load %.1f/%.1f\n",
                r["workload"].get<std::string>().c_str(), s["median"].get<double>(), s["min"].get<double>(),
                s["max"].get<double>(), r["forward_loss_ms"]["median"].get<double>(),
                r["backward_ms"]["median"].get<double>(), r["optimizer_ms"]["median"].get<double>(),
                r["images_per_s"].get<double>(), r["gflops_achieved"].get<double>(), r["loss_first"].get<float>(),
                r["loss_last"].get<float>(), r["page_faults_per_step"].get<double>(), r["load_before"].get<double>(),
                r["load_after"].get<double>());
    std::fflush(stdout);
}

// ---- profile: per-layer forward and backward times of one step

// When backward starts and ends passing through a stamp.
struct Stamp { double begin = 0, end = 0; };

// Identity on x whose backward notes the clock. Backward visits a chain in reverse, so the time
// between the end of layer i's stamp and the beginning of layer i-1's is layer i's backward. The
// stamp's own copy of the gradient lies between its begin and end and is left out of every row.
Tensor stamp(const Tensor& x, Stamp* s) {
    const int64_t n = x.numel();
    return record("bench_stamp", x.detach(), {x}, [s, n](const float* dy, Grads& g) {
        s->begin = now_seconds();
        if (float* dx = g.get(0))
            parallel_for(n, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) dx[i] += dy[i]; });  // dx += dy
        s->end = now_seconds();
    });
}

Json profile_workload(Workload& w, const Options& opt, const std::vector<Layer>& layers,
                      const std::vector<double>& flops) {
    Generator gen(opt.seed + 1);
    const Batch batch = w.make_batch(gen);
    nn::SGDOptions so;
    so.lr = 0.01f;
    so.momentum = 0.9f;
    nn::SGD sgd(w.model->named_parameters(), so);
    const size_t L = layers.size();
    std::vector<std::vector<double>> fwd(L), bwd(L);
    std::map<std::string, std::vector<double>> extra;   // input, loss forward/backward, optimizer, stamps, step
    std::vector<Stamp> stamps(L);
    std::vector<Shape> shapes(L);
    const double load_before = bench::load_average_1min();
    for (int it = 0; it < 2 + opt.profile_steps; ++it) {
        const double t0 = now_seconds();
        sgd.zero_grad();
        Tensor x = model_input(batch);
        const double t_in = now_seconds();
        std::vector<double> f(L);
        for (size_t i = 0; i < L; ++i) {
            const double a = now_seconds();
            x = (*layers[i].second)(x);
            f[i] = now_seconds() - a;
            shapes[i] = x.shape();
            x = stamp(x, &stamps[i]);
        }
        const double t_loss = now_seconds();
        Tensor loss = w.loss(x, batch);
        const double t_b0 = now_seconds();
        loss.backward();
        const double t_b1 = now_seconds();
        sgd.step();
        const double t_end = now_seconds();
        if (it < 2) continue;   // warm-up: the memory pool fills, OpenBLAS starts its threads
        double stamp_total = 0;
        for (size_t i = 0; i < L; ++i) {
            fwd[i].push_back(f[i]);
            bwd[i].push_back((i == 0 ? t_b1 : stamps[i - 1].begin) - stamps[i].end);
            stamp_total += stamps[i].end - stamps[i].begin;
        }
        extra["zero_grad + input cat"].push_back(t_in - t0);
        extra["loss forward"].push_back(t_b0 - t_loss);
        extra["loss backward"].push_back(stamps[L - 1].begin - t_b0);
        extra["optimizer step"].push_back(t_end - t_b1);
        extra["profiling stamps (overhead)"].push_back(stamp_total);
        extra["step (with stamps)"].push_back(t_end - t0);
    }
    const double step_ms = 1e3 * median_of(extra["step (with stamps)"]);
    std::printf("\nprofile %s: median of %d steps, %d threads, load %.1f\n", w.name.c_str(), opt.profile_steps,
                num_threads(), load_before);
    std::printf("%-16s %-16s %-20s %9s %9s %7s %9s\n", "layer", "type", "output", "fwd ms", "bwd ms", "% step",
                "GFLOP/s");
    Json rows = Json::array();
    std::map<std::string, std::pair<double, double>> by_type;   // type -> (fwd ms, bwd ms)
    for (size_t i = 0; i < L; ++i) {
        const double fm = 1e3 * median_of(fwd[i]), bm = 1e3 * median_of(bwd[i]);
        const std::string type = layers[i].second->type_name();
        // Forward costs `flops`, backward 2x (input and weight gradients), except the first layer:
        // its input needs no gradient, so only the weight gradient is computed.
        const double work = (i == 0 ? 2.0 : 3.0) * flops[i] * double(w.images);
        const double gf = flops[i] > 0 ? work / ((fm + bm) * 1e-3) * 1e-9 : 0.0;
        std::ostringstream shape;
        shape << shapes[i];
        std::printf("%-16s %-16s %-20s %9.2f %9.2f %6.1f%% %9s\n", layers[i].first.c_str(), type.c_str(),
                    shape.str().c_str(), fm, bm, 100.0 * (fm + bm) / step_ms,
                    gf > 0 ? std::to_string(int(std::lround(gf))).c_str() : "");
        by_type[type].first += fm;
        by_type[type].second += bm;
        rows.push_back({{"layer", layers[i].first}, {"type", type}, {"fwd_ms", fm}, {"bwd_ms", bm}, {"gflops", gf}});
    }
    std::printf("-- by kind\n");
    Json kinds = Json::object();
    for (const auto& [type, t] : by_type) {
        std::printf("%-36s %-20s %9.2f %9.2f %6.1f%%\n", type.c_str(), "", t.first, t.second,
                    100.0 * (t.first + t.second) / step_ms);
        kinds[type] = {{"fwd_ms", t.first}, {"bwd_ms", t.second}};
    }
    for (const auto& [what, v] : extra) {
        const double ms = 1e3 * median_of(v);
        std::printf("%-36s %-20s %9.2f %9s %6.1f%%\n", what.c_str(), "", ms, "", 100.0 * ms / step_ms);
        kinds[what] = ms;
    }
    return {{"workload", w.name}, {"steps", opt.profile_steps}, {"load_before", load_before},
            {"layers", rows}, {"totals_ms", kinds}};
}

// Peak resident memory of `steps` W3 steps, measured in a fresh child process running this
// program (our own peak would include whatever ran before). The child reports its VmHWM through a
// JSON file: getrusage(RUSAGE_CHILDREN) would report the parent's size, which fork copies into it.
double child_peak_rss_mib(int steps, int threads) {
    char self[4096];
    const ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    CT_CHECK_AS(IoError, len > 0, "bench_workloads: cannot read /proc/self/exe to start the memory child");
    self[len] = '\0';
    const std::string steps_s = std::to_string(steps), threads_s = std::to_string(threads);
    char json_path[] = "/tmp/bench_workloads_memory_XXXXXX";
    const int fd = mkstemp(json_path);
    CT_CHECK_AS(IoError, fd >= 0, "bench_workloads: cannot create a temporary file in /tmp for the memory child");
    close(fd);
    std::fflush(stdout);
    const pid_t pid = fork();
    CT_CHECK_AS(IoError, pid >= 0, "bench_workloads: fork failed for the memory child");
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);   // its own timing line would be noise here
        execl(self, self, "--workload", "cifar-simclr", "--steps", steps_s.c_str(), "--warmup", "0", "--threads",
              threads_s.c_str(), "--no-memory", "--json", json_path, static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream f(json_path);
    const Json child = f.good() ? Json::parse(f, nullptr, false) : Json();
    std::remove(json_path);
    CT_CHECK_AS(ValueError, WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "bench_workloads: the memory child (" << self << " --workload cifar-simclr) failed with status " << status);
    CT_CHECK_AS(IoError, child.is_object() && child.contains("results") && !child["results"].empty(),
                "bench_workloads: the memory child wrote no results to " << json_path);
    return child["results"][0]["peak_rss_mib"].get<double>();
}

int run(const Options& opt) {
    set_num_threads(opt.threads);
    const std::vector<std::string> names = opt.workload == "all" ? kWorkloads : std::vector<std::string>{opt.workload};
    if (!opt.profile)
        std::printf("training-step workloads (docs/REFERENCE.md): %d threads, OpenBLAS core %s, %d warm-up + "
                    "%d timed steps, median [min-max]; load = 1-min load average before/after\n",
                    num_threads(), blas_core_name().c_str(), opt.warmup, opt.steps);
    Json out = {{"threads", num_threads()}, {"blas_core", blas_core_name()}, {"results", Json::array()},
                {"profiles", Json::array()}};
    for (const std::string& name : names) {
        Generator gen(opt.seed);
        Workload w = make_workload(name, gen);
        std::vector<Layer> layers;
        leaf_layers(*w.model, "", layers);
        const std::vector<double> flops = layer_flops(w, layers);
        double fwd_flops = 0;
        for (double f : flops) fwd_flops += f;
        // The zoo must build the spec's networks: the FLOP count is the check (spec rounds to 0.01 MFLOP).
        CT_CHECK_AS(ValueError, std::fabs(fwd_flops * 1e-6 - w.spec_mflops) < 0.01 * w.spec_mflops,
                    "bench_workloads: " << name << " counts " << fwd_flops * 1e-6 << " MFLOP per image, docs/REFERENCE.md says "
                                        << w.spec_mflops);
        if (opt.profile) {
            out["profiles"].push_back(profile_workload(w, opt, layers, flops));
            continue;
        }
        Json r = run_workload(w, opt, fwd_flops);
        if (names.size() == 1) r["peak_rss_mib"] = bench::peak_rss_own_mib();   // only this workload ran
        print_result(r);
        out["results"].push_back(r);
    }
    if (names.size() == 1 && !opt.profile)
        std::printf("peak resident memory of this process: %.0f MiB (tensor pool peak %.0f MiB)\n",
                    bench::peak_rss_own_mib(), out["results"][0]["pool_peak_live_mib"].get<double>());
    if (!opt.no_memory && !opt.profile && opt.workload == "all") {
        const double load = bench::load_average_1min();
        const double rss = child_peak_rss_mib(opt.memory_steps, opt.threads);
        std::printf("cifar-simclr, %d steps in a fresh process: peak resident memory %.0f MiB (load %.1f)\n",
                    opt.memory_steps, rss, load);
        out["w3_peak_rss_mib"] = rss;
        out["w3_peak_rss_steps"] = opt.memory_steps;
    }
    if (!opt.json_path.empty()) {
        std::ofstream f(opt.json_path);
        CT_CHECK_AS(IoError, f.good(), "bench_workloads: cannot write --json " << opt.json_path);
        f << out.dump(1) << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ct::setup_runtime(argv);   // see core/parallel.h
    CLI::App app{"contrast training-step benchmark: the workloads W1-W4 of docs/REFERENCE.md"};
    Options opt;
    std::vector<std::string> choices = kWorkloads;
    choices.push_back("all");
    app.add_option("--workload", opt.workload, "workload name or all")->check(CLI::IsMember(choices));
    app.add_option("--steps", opt.steps, "timed steps (median over them)")->check(CLI::Range(1, 100000));
    app.add_option("--warmup", opt.warmup, "untimed steps first")->check(CLI::Range(0, 1000));
    app.add_option("--threads", opt.threads, "OpenMP and OpenBLAS threads")->check(CLI::Range(1, 256));
    app.add_option("--json", opt.json_path, "write the results to this file");
    app.add_option("--seed", opt.seed, "seed of the weights and the random inputs");
    app.add_flag("--profile", opt.profile, "per-layer forward/backward times instead of the step timing");
    app.add_option("--profile-steps", opt.profile_steps, "steps the profile takes medians over")->check(CLI::Range(1, 1000));
    app.add_flag("--no-memory", opt.no_memory, "skip the peak-memory child process");
    app.add_option("--memory-steps", opt.memory_steps, "W3 steps of the peak-memory child (spec: 30)")
        ->check(CLI::Range(1, 100000));
    CLI11_PARSE(app, argc, argv);
    try {
        return run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
