// The training loop shared by every method: sampler -> loader -> model -> the method's objective
// -> optimizer, with a progress bar, one summary line and one metrics.csv row per epoch,
// checkpoints (last and best, atomic), a clean stop on Ctrl-C, a stop with a message on a NaN loss,
// and exact resume. train() reads as its steps: open the run, start or resume, then epochs.
#include "apps/contrast/train.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "apps/contrast/data_parallel.h"
#include "apps/contrast/evaluate.h"
#include "apps/contrast/method.h"
#include "apps/contrast/pictures.h"
#include "apps/contrast/run_dir.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/progress.h"
#include "core/autograd.h"
#include "core/distributed.h"
#include "core/parallel.h"
#include "nn/checkpoint.h"


namespace ct::app {
namespace {

// Everything one run holds, built from its config.
struct Run {
    RunConfig c;
    std::string dir, last_path, best_path;
    const Method* method = nullptr;
    RunData d;
    Model m;
    std::unique_ptr<Objective> objective;
    nn::ModulePtr saved;   // what checkpoints hold: the network and the method's extras
    std::unique_ptr<Sampler> sampler;
    LoaderOptions lo;
    std::unique_ptr<Loader> loader;
    int64_t steps_per_epoch = 0, images_per_step = 0;
    std::unique_ptr<nn::Optimizer> opt;
    nn::LrSchedule schedule;
    int64_t epoch = 0, step = 0;
    Progress progress;
    bool warned_collapse = false;
    DataParallel parallel;   // under mpirun: shards, checks, averaged gradients (data_parallel.h)
};

// Data, model, objective, sampler, loader, optimizer and schedule, with the summary printed.
void build(Run& r) {
    const RunConfig& c = r.c;
    r.dir = c.out;
    r.last_path = r.dir + "/last.safetensors";
    r.best_path = r.dir + "/best.safetensors";
    r.method = &find_method(c.method);
    set_num_threads(c.threads);
    std::printf("%s", describe(c).c_str());

    r.d = load_run_data(c);
    std::printf("  data       %s: %ld training, %ld test images of %ldx%ldx%ld, %ld classes\n", c.data.c_str(),
                long(r.d.train.size()), long(r.d.test.size()), long(r.d.train.channels), long(r.d.train.height),
                long(r.d.train.width), long(r.d.train.num_classes()));
    Generator init_gen(c.seed);
    r.m = r.method->model(c, r.d.train, init_gen);
    r.objective = r.method->objective(c, r.m, r.d.train);
    const nn::ModulePtr extras = r.objective->extras();
    r.saved = checkpointed(r.m.net, extras);
    std::printf("  parameters %s\n  online P@1 each epoch: %ld test images against %ld training images, evenly spaced\n\n",
                nn::with_thousands(r.saved->num_parameters()).c_str(), long(std::min<int64_t>(1000, r.d.test.size())),
                long(std::min<int64_t>(5000, r.d.train.size())));
    r.sampler = DataParallel::shard(r.method->sampler(c, r.d.train), r.method->images_per_item());
    r.lo.workers = c.workers;
    r.lo.seed = c.seed;
    r.lo.views = r.method->views(c, r.d);
    r.loader = std::make_unique<Loader>(r.d.train, *r.sampler, r.lo);
    r.steps_per_epoch = int64_t(r.sampler->batches(0).size());
    CT_CHECK_AS(ValueError, r.steps_per_epoch > 0,
                "--batch-size " << c.batch_size << " is larger than the " << r.d.train.size() << " training images");
    r.images_per_step = r.method->images_per_item() * c.batch_size * int64_t(r.lo.views.size());
    r.opt = build_optimizer(c, param_groups(c, *r.m.net, extras, r.objective->extras_lr_mult()));
    r.schedule = build_schedule(c, r.steps_per_epoch);
}

// Restores weights, optimizer and progress from last.safetensors, every piece checked against the run.
void resume(Run& r) {
    const std::string& path = r.last_path;
    nn::TrainingState st;
    nn::load_checkpoint(path, *r.saved, &st);
    check_finite_weights(*r.saved, path);
    r.opt->load_state_tensors(st.optimizer, path);
    check_position(st, path, r.steps_per_epoch);
    r.progress = progress_from_metadata(st.config_json, path, r.steps_per_epoch);
    r.epoch = st.epoch;
    r.step = st.step;
    if (dist::is_main()) trim_metrics(r.dir + "/metrics.csv", r.epoch);
    std::printf("resumed from %s at epoch %ld, step %ld\n", path.c_str(), long(r.epoch + 1), long(r.step));
}

// resume_epoch: the epoch a resumed run starts in (the current one mid-epoch, the next at its end)
void save(const Run& r, const std::string& path, int64_t resume_epoch) {
    nn::TrainingState st;
    st.optimizer = r.opt->state_tensors();
    st.epoch = resume_epoch;
    st.step = r.step;
    st.config_json = nlohmann::json{{"config", to_json(r.c)}, {"best", r.progress.best},
                                    {"epoch_loss_sum", r.progress.epoch_loss_sum},
                                    {"epoch_batches", r.progress.epoch_batches}}.dump();
    nn::save_checkpoint(path, *r.saved, &st);
}

struct EpochResult {
    enum class End { Done, Interrupted, Diverged } end = End::Done;
    int64_t skipped = 0;   // steps of a resumed epoch that ran before the resume
    double seconds = 0;
};

// One pass over the epoch's batches (the rest of it when resuming mid-epoch).
EpochResult run_epoch(Run& r, const TrainOptions& options) {
    EpochResult out;
    r.m.net->train();
    r.loader->start_epoch(r.epoch);
    out.skipped = r.step - r.epoch * r.steps_per_epoch;   // > 0 when resuming mid-epoch
    Batch b;
    for (int64_t i = 0; i < out.skipped && r.loader->next(b); ++i) {}
    ProgressBar bar("epoch " + std::to_string(r.epoch + 1) + "/" + std::to_string(r.c.epochs),
                    r.steps_per_epoch - out.skipped, std::cout, ProgressBar::stdout_is_tty());
    double waited = r.loader->stats().wait_seconds;
    while (r.loader->next(b)) {
        r.schedule.apply(*r.opt, r.step);
        Tensor loss = r.objective->loss(r.m, b);
        const float value = r.parallel.mean(loss.item());
        if (!std::isfinite(value)) {
            bar.finish();
            report_divergence(value, r.step + 1, " (epoch " + std::to_string(r.epoch + 1) + ")", r.last_path);
            out.end = EpochResult::End::Diverged;
            return out;
        }
        r.opt->zero_grad();
        loss.backward();
        r.parallel.average_gradients();
        r.opt->step();
        {
            NoGradGuard no_grad;   // EMA updates and the like are not part of the graph
            r.objective->after_step();
        }
        ++r.step;
        r.progress.epoch_loss_sum += value;
        r.progress.epoch_batches++;
        const double wait_now = r.loader->stats().wait_seconds;
        bar.step(r.images_per_step, wait_now - waited,
                 {{"loss", r.progress.epoch_loss_sum / double(r.progress.epoch_batches)}});
        waited = wait_now;
        if (r.parallel.any(InterruptCatcher::requested()) || (options.stop_after_steps > 0 && r.step >= options.stop_after_steps)) {
            bar.finish();
            out.end = EpochResult::End::Interrupted;
            return out;
        }
    }
    out.seconds = bar.finish().elapsed;
    return out;
}

// The on-line check, the epoch's line and metrics.csv row, a collapse warning, the checkpoints.
void end_epoch(Run& r, const EpochResult& e) {
    if (!dist::is_main()) {   // rank 0 alone checks, reports and writes; the others sleep until it is done
        r.progress.epoch_loss_sum = 0;
        r.progress.epoch_batches = 0;
        dist::wait_for_all();
        return;
    }
    const double wait_share = r.loader->stats().wait_seconds / std::max(e.seconds, 1e-9);
    const double mean_loss = r.progress.epoch_loss_sum / double(std::max<int64_t>(1, r.progress.epoch_batches));
    const OnlineCheck check = online_check(r.c, r.m, r.d);
    const double p1 = check.precision_at_1;
    const float lr = r.opt->param_groups()[0].lr;
    const double images_per_second = double(r.images_per_step * (r.steps_per_epoch - e.skipped)) / std::max(e.seconds, 1e-9);
    std::printf("epoch %ld/%ld  loss %.4f  online P@1 %.4f  lr %.3g  %.1f s  %.0f img/s  data wait %.1f%%%s\n",
                long(r.epoch + 1), long(r.c.epochs), mean_loss, p1, double(lr), e.seconds, images_per_second,
                100 * wait_share, (r.objective->epoch_note() + r.parallel.epoch_note()).c_str());
    if (check.collapse.collapsed() && !r.warned_collapse) {
        r.warned_collapse = true;
        std::printf("warning: the embeddings have %s%s\n", check.collapse.describe().c_str(),
                    r.method->collapse_hint(r.c).c_str());
    }
    {
        std::ofstream csv(r.dir + "/metrics.csv", std::ios::app);
        csv << r.epoch + 1 << ',' << mean_loss << ',' << p1 << ',' << lr << ',' << e.seconds << ',' << wait_share << ','
            << images_per_second << '\n';
    }
    r.progress.epoch_loss_sum = 0;
    r.progress.epoch_batches = 0;
    const bool improved = p1 > r.progress.best;
    if (improved) r.progress.best = p1;
    save(r, r.last_path, r.epoch + 1);
    if (improved) save(r, r.best_path, r.epoch + 1);
    dist::wait_for_all();
}

}  // namespace

int train(RunConfig config, const TrainOptions& options) {
    DataParallel::quiet_other_ranks();
    // Under mpirun only rank 0 creates or checks RUN_DIR; every rank reads a resumed run's files.
    RunConfig c = dist::is_main() || options.resume ? open_run(std::move(config), options) : std::move(config);
    if (const TextMethod* text = find_method(c.method).text()) return train_text(*text, std::move(c), options);
    Run r;
    r.c = std::move(c);
    build(r);
    if (options.resume) {
        resume(r);
    } else if (dist::is_main()) {
        write_text_atomic(r.dir + "/config.json", to_json(r.c).dump(2) + "\n");
        write_text_atomic(r.dir + "/metrics.csv", "epoch,loss,online_p_at_1,lr,seconds,data_wait_share,images_per_second\n");
    }
    r.parallel.start(r.c, r.d.train, *r.saved, r.saved->parameters());

    const InterruptCatcher interrupts;
    for (; r.epoch < r.c.epochs; ++r.epoch) {
        const EpochResult e = run_epoch(r, options);
        if (e.end == EpochResult::End::Diverged) return 1;
        if (e.end == EpochResult::End::Interrupted) {
            if (dist::is_main()) save(r, r.last_path, r.epoch);
            std::printf("\ninterrupted after step %ld: saved %s\ncontinue with: contrast train --resume --out %s\n",
                        long(r.step), r.last_path.c_str(), r.dir.c_str());
            return 0;
        }
        end_epoch(r, e);
    }
    if (!dist::is_main()) return 0;
    write_curves(r.dir);
    std::printf("\nfinished: %s (last), %s (best online P@1 %.4f), %s/metrics.csv, %s/loss.png, %s/accuracy.png\n",
                r.last_path.c_str(), r.best_path.c_str(), r.progress.best, r.dir.c_str(), r.dir.c_str(), r.dir.c_str());
    std::printf("next: contrast eval %s   |   contrast plot %s   |   contrast retrieve %s\n", r.dir.c_str(),
                r.dir.c_str(), r.dir.c_str());
    return 0;
}

namespace {
// A metadata value of the checkpoint: present, of the right type, within bounds; else the file and
// the key are named.
double meta_number(const nlohmann::json& meta, const std::string& key, const std::string& path, double lo, double hi) {
    CT_CHECK_AS(IoError, meta.contains(key) && meta.at(key).is_number(),
                path << ": checkpoint metadata 'contrast.config' has no number \"" << key << "\"");
    const double v = meta.at(key).get<double>();
    CT_CHECK_AS(IoError, std::isfinite(v) && v >= lo && v <= hi,
                path << ": checkpoint metadata \"" << key << "\" = " << v << " is out of range [" << lo << ", " << hi << "]");
    return v;
}

}  // namespace

Progress progress_from_metadata(const std::string& config_json, const std::string& path, int64_t steps_per_epoch) {
    CT_CHECK_AS(IoError, !config_json.empty(),
                path << ": checkpoint metadata has no 'contrast.config' (not written by `contrast train`?); "
                        "start afresh with --overwrite");
    nlohmann::json meta;
    try {
        meta = nlohmann::json::parse(config_json);
    } catch (const nlohmann::json::exception& e) {
        CT_THROW(IoError, path << ": checkpoint metadata 'contrast.config' is not JSON: " << e.what());
    }
    CT_CHECK_AS(IoError, meta.is_object(), path << ": checkpoint metadata 'contrast.config' is not a JSON object");
    Progress p;
    p.best = meta_number(meta, "best", path, -1, 1);
    p.epoch_loss_sum = meta_number(meta, "epoch_loss_sum", path, -1e300, 1e300);
    p.epoch_batches = int64_t(meta_number(meta, "epoch_batches", path, 0, double(steps_per_epoch)));
    return p;
}

}  // namespace ct::app
