// The training loop of the text methods (text_method.h): STS-B read and tokenized, the vocabulary
// built from the training sentences (or taken from --init's run) and saved as RUN_DIR/vocab.txt,
// batches of item indices handed to the method's loss, Adam, the dev Spearman after every epoch
// (also before the first: the untrained encoder), metrics.csv, last and best checkpoints, a clean
// stop on Ctrl-C and exact --resume (run_dir.h), as the image loop does.
// Under mpirun, data-parallel as the image methods (see train_text below, docs/DISTRIBUTED.md).
// Not yet: the pictures of the image runs.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/contrast/data_parallel.h"
#include "apps/contrast/run_dir.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/progress.h"
#include "core/distributed.h"
#include "core/parallel.h"
#include "data/shard.h"
#include "data/resolve.h"
#include "nn/checkpoint.h"


namespace ct::app {
namespace {

// --init RUN_DIR: its vocabulary and best weights; its encoder must have this run's shape.
Vocabulary init_vocabulary(const RunConfig& c) {
    const RunConfig from = load_config(c.init);
    CT_CHECK_AS(ValueError, find_method(from.method).text() != nullptr,
                "--init " << c.init << ": a run of --method " << from.method << ", not a text run (simcse)");
    CT_CHECK_AS(ValueError, from.embedding_dim == c.embedding_dim && from.max_tokens == c.max_tokens,
                "--init " << c.init << ": its encoder has --embedding-dim " << from.embedding_dim << " and --max-tokens "
                          << from.max_tokens << "; pass the same to this run (got " << c.embedding_dim << ", "
                          << c.max_tokens << ")");
    return Vocabulary::load(c.init + "/vocab.txt");
}

void append_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << text;
    out.flush();
    CT_CHECK_AS(IoError, out.good(), path << ": cannot write (disk full or no permission?)");
}

// Dropout masks drawn from (seed, step, layer) alone: a resumed run draws the masks the
// uninterrupted one drew, with no generator state to save, and every rank its own.
class DropoutStreams {
public:
    DropoutStreams(nn::TextEncoder& enc, uint64_t seed) : seed_(seed) {
        for (auto& [name, m] : enc.named_modules())
            if (auto* d = dynamic_cast<nn::Dropout*>(m)) layers_.push_back(d);
    }
    void at_step(int64_t step) {
        for (size_t i = 0; i < layers_.size(); ++i)
            layers_[i]->generator() = Generator::for_sample(seed_, uint64_t(step), uint64_t(i));
    }
private:
    uint64_t seed_;
    std::vector<nn::Dropout*> layers_;
};

// What this rank read, for DataParallel::start: the counts and a fingerprint of the token ids and scores.
std::string describe_data(const TextData& d) {
    uint64_t h = DataParallel::fingerprint(d.scores.data(), d.scores.size() * sizeof(float));
    for (const auto* all : {&d.sentences, &d.pair_a, &d.pair_b})
        for (const std::vector<int64_t>& ids : *all) h = DataParallel::fingerprint(ids.data(), ids.size() * sizeof(int64_t), h);
    std::ostringstream out;
    out << d.sentences.size() << " sentences, " << d.scores.size() << " pairs, vocabulary " << d.vocab.size()
        << ", fingerprint " << std::hex << h;
    return out.str();
}

// A text run as it trains: its data, encoder, optimizer and position.
struct TextRun {
    RunConfig c;
    std::string last_path, best_path;
    TextData d;
    std::unique_ptr<nn::TextEncoder> enc;
    std::unique_ptr<Sampler> sampler;
    int64_t steps_per_epoch = 0;
    std::unique_ptr<nn::Optimizer> opt;
    nn::LrSchedule schedule;
    int64_t epoch = 0, step = 0;
    Progress progress;   // best: the best dev Spearman (not x100)
    DataParallel parallel;

    void save(const std::string& path, int64_t resume_epoch) const {
        nn::TrainingState st;
        st.optimizer = opt->state_tensors();
        st.epoch = resume_epoch;
        st.step = step;
        st.config_json = nlohmann::json{{"config", to_json(c)}, {"best", progress.best},
                                        {"epoch_loss_sum", progress.epoch_loss_sum},
                                        {"epoch_batches", progress.epoch_batches}}.dump();
        nn::save_checkpoint(path, *enc, &st);
    }
    // dev Spearman on rank 0 alone: every rank holds the same weights
    double dev_spearman() const {
        return dist::is_main() ? sts_scores(*enc, d.vocab, d.stsb.dev, c.max_tokens).spearman / 100 : 0.0;
    }
};

// The vocabulary (a resumed run's own, --init's, or built from the training sentences), the data,
// the encoder, sampler, optimizer and schedule, with the summary printed.
void build(TextRun& r, const TextMethod& method, const TrainOptions& options) {
    const RunConfig& c = r.c;
    r.last_path = c.out + "/last.safetensors";
    r.best_path = c.out + "/best.safetensors";
    set_num_threads(c.threads);
    std::printf("%s", describe(c).c_str());
    const std::string folder = find_dataset("stsb", Split::Train, c.data_dir);
    const std::string vocab_from = options.resume ? c.out : c.init;
    Vocabulary vocab = !vocab_from.empty() ? (options.resume ? Vocabulary::load(c.out + "/vocab.txt") : init_vocabulary(c))
                                           : Vocabulary::build(unique_sentences(read_stsb_file(folder + "/train.tsv")), c.min_freq);
    r.d = load_text_data(c, std::move(vocab));
    std::printf("  data       stsb (%s): %zu training pairs, %zu distinct sentences, vocabulary %ld words%s\n",
                r.d.folder.c_str(), r.d.stsb.train.size(), r.d.sentences.size(), long(r.d.vocab.size()),
                vocab_from.empty() ? "" : (" (from " + vocab_from + ")").c_str());
    Generator init_gen(c.seed);
    r.enc = std::make_unique<nn::TextEncoder>(encoder_config(c, r.d.vocab.size()), init_gen);
    if (!c.init.empty() && !options.resume) nn::load_checkpoint(c.init + "/best.safetensors", *r.enc);
    std::printf("  parameters %s\n  checked each epoch: Spearman x100 on the %zu dev pairs\n\n",
                nn::with_thousands(r.enc->num_parameters()).c_str(), r.d.stsb.dev.size());
    const int64_t items = method.items(r.d);
    CT_CHECK_AS(ValueError, c.batch_size <= items, "--batch-size " << c.batch_size << " is larger than the " << items
                                                                   << " training " << method.batch_unit());
    r.sampler = DataParallel::shard(std::make_unique<BatchSampler>(items, c.batch_size, true, true, c.seed), 1);
    r.steps_per_epoch = int64_t(r.sampler->batches(0).size());
    r.opt = build_optimizer(c, param_groups(c, *r.enc, nullptr, 1.f));
    r.schedule = build_schedule(c, r.steps_per_epoch);
}

// Weights, optimizer and position from last.safetensors, each checked against the run.
void resume(TextRun& r) {
    nn::TrainingState st;
    nn::load_checkpoint(r.last_path, *r.enc, &st);
    check_finite_weights(*r.enc, r.last_path);
    r.opt->load_state_tensors(st.optimizer, r.last_path);
    check_position(st, r.last_path, r.steps_per_epoch);
    r.progress = progress_from_metadata(st.config_json, r.last_path, r.steps_per_epoch);
    r.epoch = st.epoch;
    r.step = st.step;
    if (dist::is_main()) trim_metrics(r.c.out + "/metrics.csv", r.epoch);
    std::printf("resumed from %s at epoch %ld, step %ld\n", r.last_path.c_str(), long(r.epoch + 1), long(r.step));
}

struct TextEpoch {
    enum class End { Done, Interrupted, Diverged } end = End::Done;
    double seconds = 0;
    int64_t tokens = 0;   // words this rank encoded
};

// One pass over the epoch's batches (the rest of it when resuming mid-epoch).
TextEpoch run_epoch(TextRun& r, const TextMethod& method, const TrainOptions& options, DropoutStreams& dropout) {
    TextEpoch out;
    r.enc->train();
    const std::vector<std::vector<int64_t>> batches = r.sampler->batches(r.epoch);
    const std::vector<std::vector<int64_t>> positions = r.sampler->positions(r.epoch, batches);
    const int64_t skipped = r.step - r.epoch * r.steps_per_epoch;   // > 0 when resuming mid-epoch
    ProgressBar bar("epoch " + std::to_string(r.epoch + 1) + "/" + std::to_string(r.c.epochs),
                    r.steps_per_epoch - skipped, std::cout, ProgressBar::stdout_is_tty());
    bar.set_unit("sent");
    for (size_t b = size_t(skipped); b < batches.size(); ++b) {
        const std::vector<int64_t>& batch = batches[b];
        r.schedule.apply(*r.opt, r.step);
        dropout.at_step(r.step);
        std::vector<Generator> views;   // each item's views seeded by its global position
        for (int64_t p : positions[b]) views.push_back(Generator::for_sample(r.c.seed, uint64_t(r.epoch), uint64_t(p)));
        Tensor loss = method.loss(*r.enc, r.c, r.d, batch, views);
        const float value = r.parallel.mean(loss.item());
        if (!std::isfinite(value)) {
            bar.finish();
            report_divergence(value, r.step + 1, "", r.last_path);
            out.end = TextEpoch::End::Diverged;
            return out;
        }
        r.opt->zero_grad();
        loss.backward();
        r.parallel.average_gradients();
        r.opt->step();
        ++r.step;
        r.progress.epoch_loss_sum += value;
        r.progress.epoch_batches++;
        for (int64_t i : batch)   // words encoded: both sides or both views (before word-level views), no padding
            out.tokens += method.batch_unit() == "pairs"
                              ? int64_t(r.d.pair_a[size_t(i)].size() + r.d.pair_b[size_t(i)].size())
                              : 2 * int64_t(r.d.sentences[size_t(i)].size());
        bar.step(int64_t(batch.size()) * dist::world_size(), 0,
                 {{"loss", r.progress.epoch_loss_sum / double(r.progress.epoch_batches)}});
        if (r.parallel.any(InterruptCatcher::requested()) ||
            (options.stop_after_steps > 0 && r.step >= options.stop_after_steps)) {
            bar.finish();
            out.end = TextEpoch::End::Interrupted;
            return out;
        }
    }
    out.seconds = bar.finish().elapsed;
    return out;
}

// The epoch's line, its metrics.csv row and the checkpoints (rank 0).
void end_epoch(TextRun& r, double seconds, double tokens) {
    const double mean_loss = r.progress.epoch_loss_sum / double(std::max<int64_t>(1, r.progress.epoch_batches));
    r.progress.epoch_loss_sum = 0;
    r.progress.epoch_batches = 0;
    const double dev = r.dev_spearman();
    const float lr = r.opt->param_groups()[0].lr;
    const double tokens_per_second = tokens / std::max(seconds, 1e-9);
    std::printf("epoch %ld/%ld  loss %.4f  dev Spearman x100 %.2f  lr %.3g  %.1f s  %.0f tokens/s%s\n", long(r.epoch + 1),
                long(r.c.epochs), mean_loss, 100 * dev, double(lr), seconds, tokens_per_second,
                r.parallel.epoch_note().c_str());
    if (dist::is_main()) {   // rank 0 alone writes
        std::ostringstream row;
        row << r.epoch + 1 << ',' << mean_loss << ',' << 100 * dev << ',' << lr << ',' << seconds << ','
            << tokens_per_second << '\n';
        append_text(r.c.out + "/metrics.csv", row.str());
        const bool improved = dev > r.progress.best;
        if (improved) r.progress.best = dev;
        r.save(r.last_path, r.epoch + 1);
        if (improved) r.save(r.best_path, r.epoch + 1);
    }
    dist::wait_for_all();   // the other ranks sleep while rank 0 checks dev and writes
}

}  // namespace

// Under mpirun (apps/contrast/data_parallel.h) each rank takes its contiguous shard of every global
// batch, the loss and gradients are averaged over ranks, and rank 0 alone checks dev, prints and writes.
// train() has opened RUN_DIR (run_dir.h) and handed the config of a resumed run.
int train_text(const TextMethod& method, RunConfig c, const TrainOptions& options) {
    const int K = dist::world_size();
    CT_CHECK_AS(ValueError, c.batch_size % K == 0,
                "--batch-size " << c.batch_size << " does not split over " << K << " ranks: under mpirun --batch-size is the "
                                << "global batch; use a multiple of " << K);
    TextRun r;
    r.c = std::move(c);
    build(r, method, options);
    DropoutStreams dropout(*r.enc, r.c.seed + 1 + 1000003ull * uint64_t(dist::rank()));
    if (options.resume) resume(r);
    r.parallel.start(r.c, describe_data(r.d), *r.enc, r.enc->parameters());
    if (!options.resume) {
        if (dist::is_main()) {
            write_text_atomic(r.c.out + "/config.json", to_json(r.c).dump(2) + "\n");
            r.d.vocab.save(r.c.out + "/vocab.txt");
            write_text_atomic(r.c.out + "/metrics.csv", "epoch,loss,dev_spearman_x100,lr,seconds,tokens_per_second\n");
        }
        r.progress.best = r.dev_spearman();
        std::printf("before training: dev Spearman x100 %.2f\n", 100 * r.progress.best);
        if (dist::is_main()) r.save(r.best_path, 0);
        dist::wait_for_all();
    }
    const InterruptCatcher interrupts;
    for (; r.epoch < r.c.epochs; ++r.epoch) {
        const TextEpoch e = run_epoch(r, method, options, dropout);
        if (e.end == TextEpoch::End::Diverged) return 1;
        if (e.end == TextEpoch::End::Interrupted) {
            if (dist::is_main()) r.save(r.last_path, r.epoch);
            std::printf("\ninterrupted after step %ld: saved %s\ncontinue with: contrast train --resume --out %s\n",
                        long(r.step), r.last_path.c_str(), r.c.out.c_str());
            return 0;
        }
        end_epoch(r, e.seconds, double(r.parallel.mean(float(e.tokens))) * K);
    }
    if (!dist::is_main()) return 0;
    std::printf("\nfinished: %s, %s (best dev Spearman x100 %.2f), %s/vocab.txt\n", r.last_path.c_str(),
                r.best_path.c_str(), 100 * r.progress.best, r.c.out.c_str());
    std::printf("next: contrast eval %s\n", r.c.out.c_str());
    return 0;
}

}  // namespace ct::app
