// The training loop shared by every method: sampler -> loader -> model -> loss -> optimizer,
// with a progress bar, one summary line and one metrics.csv row per epoch, checkpoints (last and
// best, atomic), a clean stop on Ctrl-C, a stop with a message on a NaN loss, and exact resume.
#include "apps/contrast/train.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "apps/contrast/pictures.h"
#include "apps/contrast/setup.h"
#include "apps/contrast/evaluate.h"
#include "apps/lib/progress.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "data/loader.h"
#include "data/samplers.h"
#include "losses/contrastive.h"
#include "losses/miners.h"
#include "losses/nt_xent.h"
#include "losses/supcon.h"
#include "losses/triplet.h"
#include "nn/checkpoint.h"

namespace fs = std::filesystem;

namespace ct::app {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }

std::unique_ptr<Sampler> make_sampler(const RunConfig& c, const Dataset& train) {
    if (c.method == "siamese") return std::make_unique<PairSampler>(train.labels, c.batch_size, 0, c.seed);
    if (c.method == "triplet")
        return std::make_unique<PKSampler>(train.labels, c.pk_classes, c.pk_samples, 0, c.seed);
    // drop_last: every epoch has the same number of steps, which resume relies on
    return std::make_unique<BatchSampler>(train.size(), c.batch_size, true, true, c.seed);
}

// What one step computed, beyond the loss.
struct StepInfo {
    TripletMining mining;   // triplet runs: what the miner saw
};

// The loss of one batch for the run's method. Batch layouts are those of data/samplers.h.
Tensor method_loss(const RunConfig& c, const Model& m, const Batch& b, StepInfo& info) {
    if (c.method == "siamese") {
        // One pass over both halves: the same weights embed x1 and x2 (that is the weight sharing).
        const int64_t P = b.images.size(0) / 2;
        Tensor e = m.train_output(b.images);
        std::vector<float> y = pair_targets(b.labels);
        ContrastiveOptions o;
        o.margin = c.margin;
        o.half = false;   // y d^2 + (1-y) max(0, m-d)^2, the WORKLOADS/RESULTS form
        return contrastive_loss(narrow(e, 0, 0, P), narrow(e, 0, P, P), Tensor::from_vector(y), o);
    }
    if (c.method == "triplet") {
        Tensor e = m.train_output(b.images);   // L2-normalised
        TripletOptions o;
        o.margin = c.margin;
        o.distance = Distance::euclidean(false);
        if (c.miner == "batch-hard") {
            info.mining = batch_hard_miner(e.detach(), b.labels, o.distance, c.margin);
            return triplet_margin_loss(e, info.mining.triplets, o);
        }
        if (c.miner == "batch-all") return batch_all_triplet_loss(e, b.labels, o);
        const TripletType type = c.miner == "all" ? TripletType::All
                                 : c.miner == "hard" ? TripletType::Hard
                                 : c.miner == "easy" ? TripletType::Easy : TripletType::SemiHard;
        info.mining = triplet_margin_miner(e.detach(), b.labels, c.margin, type, o.distance);
        return triplet_margin_loss(e, info.mining.triplets, o);
    }
    if (c.method == "simclr" || c.method == "supcon") {
        const int64_t B = b.images.size(0) / 2;
        Tensor z = m.train_output(b.images);
        Tensor z1 = narrow(z, 0, 0, B), z2 = narrow(z, 0, B, B);
        if (c.method == "simclr") return nt_xent_loss(z1, z2, c.temperature);
        SupConOptions o;
        o.temperature = c.temperature;
        o.base_temperature = c.temperature;
        return supcon_loss(std::vector<Tensor>{z1, z2}, std::vector<int64_t>(b.labels.begin(), b.labels.begin() + B), o);
    }
    return cross_entropy(m.train_output(b.images), b.labels);
}

void write_text_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        CT_CHECK_AS(IoError, out.good(), path << ": cannot write (disk full or no permission?)");
    }
    fs::rename(tmp, path);
}

// Progress beyond the config that resume needs, kept in the checkpoint's metadata.
struct Progress {
    double best = -1;
    double epoch_loss_sum = 0;
    int64_t epoch_batches = 0;
};

}  // namespace

int train(RunConfig c, const TrainOptions& options) {
    const std::string run = c.out;
    const std::string last_path = run + "/last.safetensors", best_path = run + "/best.safetensors";
    Progress progress;
    if (options.resume) {
        c = load_config(run);
        c.out = run;
        if (options.resume_epochs > 0) c.epochs = options.resume_epochs;   // --epochs may extend a finished run
    } else {
        CT_CHECK_AS(ValueError, options.overwrite || !fs::exists(run + "/config.json"),
                    run << " already holds a run: pass --resume to continue it, --overwrite to start "
                           "afresh, or another --out");
        fs::create_directories(run);
    }
    set_num_threads(c.threads);
    std::printf("%s", describe(c).c_str());

    RunData d = load_run_data(c);
    std::printf("  data       %s: %ld training, %ld test images of %ldx%ldx%ld, %ld classes\n", c.data.c_str(),
                long(d.train.size()), long(d.test.size()), long(d.train.channels), long(d.train.height),
                long(d.train.width), long(d.train.num_classes()));
    Generator init_gen(c.seed);
    Model m = build_model(c, d.train, init_gen);
    std::printf("  parameters %s\n  online P@1 each epoch: %ld test images against %ld training images, evenly spaced\n\n",
                nn::with_thousands(m.net->num_parameters()).c_str(), long(std::min<int64_t>(1000, d.test.size())),
                long(std::min<int64_t>(5000, d.train.size())));
    std::unique_ptr<Sampler> sampler = make_sampler(c, d.train);
    LoaderOptions lo;
    lo.workers = c.workers;
    lo.seed = c.seed;
    lo.views = train_views(c, d);
    Loader loader(d.train, *sampler, lo);
    const int64_t steps_per_epoch = int64_t(sampler->batches(0).size());
    CT_CHECK_AS(ValueError, steps_per_epoch > 0,
                "--batch-size " << c.batch_size << " is larger than the " << d.train.size() << " training images");
    std::unique_ptr<nn::Optimizer> opt = build_optimizer(c, *m.net);
    const nn::LrSchedule schedule = build_schedule(c, steps_per_epoch);

    int64_t epoch = 0, step = 0;
    if (options.resume) {
        nn::TrainingState st;
        nn::load_checkpoint(last_path, *m.net, &st);
        opt->load_state_tensors(st.optimizer, last_path);
        epoch = st.epoch;
        step = st.step;
        const auto meta = nlohmann::json::parse(st.config_json);
        progress.best = meta.at("best");
        progress.epoch_loss_sum = meta.at("epoch_loss_sum");
        progress.epoch_batches = meta.at("epoch_batches");
        std::printf("resumed from %s at epoch %ld, step %ld\n", last_path.c_str(), long(epoch + 1), long(step));
    } else {
        write_text_atomic(run + "/config.json", to_json(c).dump(2) + "\n");
        write_text_atomic(run + "/metrics.csv", "epoch,loss,online_p_at_1,lr,seconds,data_wait_share,images_per_second\n");
    }

    // resume_epoch: the epoch a resumed run starts in (the current one mid-epoch, the next at its end)
    auto save = [&](const std::string& path, int64_t resume_epoch) {
        nn::TrainingState st;
        st.optimizer = opt->state_tensors();
        st.epoch = resume_epoch;
        st.step = step;
        st.config_json = nlohmann::json{{"config", to_json(c)}, {"best", progress.best},
                                        {"epoch_loss_sum", progress.epoch_loss_sum},
                                        {"epoch_batches", progress.epoch_batches}}.dump();
        nn::save_checkpoint(path, *m.net, &st);
    };

    g_interrupted = false;
    std::signal(SIGINT, on_sigint);
    const int64_t images_per_step = (c.method == "siamese" ? 2 : 1) * c.batch_size * int64_t(lo.views.size());
    bool warned_collapse = false;
    for (; epoch < c.epochs; ++epoch) {
        m.net->train();
        loader.start_epoch(epoch);
        const int64_t skip = step - epoch * steps_per_epoch;   // > 0 when resuming mid-epoch
        Batch b;
        for (int64_t i = 0; i < skip && loader.next(b); ++i) {}
        ProgressBar bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs),
                        steps_per_epoch - skip, std::cout, ProgressBar::stdout_is_tty());
        double waited = loader.stats().wait_seconds;
        int64_t easy = 0, semihard = 0, hard = 0;
        while (loader.next(b)) {
            schedule.apply(*opt, step);
            StepInfo info;
            Tensor loss = method_loss(c, m, b, info);
            const float value = loss.item();
            if (!std::isfinite(value)) {
                bar.finish();
                const std::string kept = fs::exists(last_path) ? "the last good checkpoint " + last_path + " is kept"
                                                               : "no checkpoint had been written yet";
                std::fprintf(stderr, "error: the loss became %s at step %ld (epoch %ld); stopped, %s (try a lower --lr)\n",
                             std::isnan(value) ? "NaN" : "infinite", long(step + 1), long(epoch + 1), kept.c_str());
                return 1;
            }
            opt->zero_grad();
            loss.backward();
            opt->step();
            ++step;
            progress.epoch_loss_sum += value;
            progress.epoch_batches++;
            easy += info.mining.easy;
            semihard += info.mining.semihard;
            hard += info.mining.hard;
            const double wait_now = loader.stats().wait_seconds;
            bar.step(images_per_step, wait_now - waited, {{"loss", progress.epoch_loss_sum / double(progress.epoch_batches)}});
            waited = wait_now;
            if (g_interrupted || (options.stop_after_steps > 0 && step >= options.stop_after_steps)) {
                bar.finish();
                save(last_path, epoch);
                std::printf("\ninterrupted after step %ld: saved %s\ncontinue with: contrast train --resume --out %s\n",
                            long(step), last_path.c_str(), run.c_str());
                std::signal(SIGINT, SIG_DFL);
                return 0;
            }
        }
        const double seconds = bar.finish().elapsed;
        const double wait_share = loader.stats().wait_seconds / std::max(seconds, 1e-9);
        const double mean_loss = progress.epoch_loss_sum / double(std::max<int64_t>(1, progress.epoch_batches));
        const OnlineCheck check = online_check(c, m, d);
        const double p1 = check.precision_at_1;
        const float lr = opt->param_groups()[0].lr;
        std::printf("epoch %ld/%ld  loss %.4f  online P@1 %.4f  lr %.3g  %.1f s  %.0f img/s  data wait %.1f%%",
                    long(epoch + 1), long(c.epochs), mean_loss, p1, double(lr), seconds,
                    double(images_per_step * (steps_per_epoch - skip)) / std::max(seconds, 1e-9), 100 * wait_share);
        if (c.method == "triplet" && c.miner != "batch-all")
            std::printf("  triplets easy/semihard/hard %ld/%ld/%ld", long(easy), long(semihard), long(hard));
        std::printf("\n");
        if (check.spread < 0.01 && !warned_collapse) {
            warned_collapse = true;
            std::printf("warning: the embeddings have collapsed to nearly one point (relative spread %.4f)%s\n",
                        check.spread,
                        c.method == "triplet" && (c.miner == "hard" || c.miner == "batch-hard")
                            ? ": hard negatives from scratch often do this (FaceNet mined semi-hard ones for that "
                              "reason); try --miner semihard or batch-all, or a lower --lr"
                            : "; try a lower --lr");
        }
        {
            std::ofstream csv(run + "/metrics.csv", std::ios::app);
            csv << epoch + 1 << ',' << mean_loss << ',' << p1 << ',' << lr << ',' << seconds << ',' << wait_share << ','
                << double(images_per_step * (steps_per_epoch - skip)) / std::max(seconds, 1e-9) << '\n';
        }
        progress.epoch_loss_sum = 0;
        progress.epoch_batches = 0;
        const bool improved = p1 > progress.best;
        if (improved) progress.best = p1;
        save(last_path, epoch + 1);
        if (improved) save(best_path, epoch + 1);
    }
    std::signal(SIGINT, SIG_DFL);
    write_curves(run);
    std::printf("\nfinished: %s (last), %s (best online P@1 %.4f), %s/metrics.csv, %s/loss.png, %s/accuracy.png\n",
                last_path.c_str(), best_path.c_str(), progress.best, run.c_str(), run.c_str(), run.c_str());
    std::printf("next: contrast eval %s   |   contrast plot %s   |   contrast retrieve %s\n", run.c_str(),
                run.c_str(), run.c_str());
    return 0;
}

}  // namespace ct::app
