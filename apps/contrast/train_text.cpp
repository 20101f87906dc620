// The training loop of the text methods (text_method.h): STS-B read and tokenized, the vocabulary
// built from the training sentences (or taken from --init's run) and saved as RUN_DIR/vocab.txt,
// batches of item indices handed to the method's loss, Adam, the dev Spearman after every epoch
// (also before the first: the untrained encoder), metrics.csv, last and best checkpoints.
// Under mpirun, data-parallel as the image methods (see train_text below, docs/DISTRIBUTED.md).
// Not yet: --resume (a text run starts afresh) and the pictures of the image runs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/contrast/data_parallel.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/progress.h"
#include "core/distributed.h"
#include "core/parallel.h"
#include "data/shard.h"
#include "data/resolve.h"
#include "nn/checkpoint.h"

namespace fs = std::filesystem;

namespace ct::app {
namespace {

void prepare_dir(const RunConfig& c, const TrainOptions& options) {
    CT_CHECK_AS(ValueError, !options.resume,
                "--resume: text runs (--method " << c.method << ") cannot be resumed yet; start afresh with --overwrite");
    if (!options.overwrite && fs::exists(c.out + "/config.json"))
        CT_THROW(ValueError, c.out << " already holds a run: pass --overwrite to start afresh, or another --out");
    std::error_code error;
    fs::create_directories(c.out, error);
    CT_CHECK_AS(IoError, !error, "--out " << c.out << ": cannot create the run directory (" << error.message() << ")");
}

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

void write_text(const std::string& path, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
    std::ofstream out(path, std::ios::binary | std::ios::out | mode);
    out << text;
    out.flush();
    CT_CHECK_AS(IoError, out.good(), path << ": cannot write (disk full or no permission?)");
}

void save(const std::string& path, nn::TextEncoder& enc, const RunConfig& c, int64_t epoch, int64_t step, double best) {
    nn::TrainingState st;
    st.epoch = epoch;
    st.step = step;
    st.config_json = nlohmann::json{{"config", to_json(c)}, {"best_dev_spearman_x100", best}}.dump();
    nn::save_checkpoint(path, enc, &st);
}

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

}  // namespace

// Under mpirun (apps/contrast/data_parallel.h) each rank takes its contiguous shard of every global
// batch, the loss and gradients are averaged over ranks, and rank 0 alone checks dev, prints and writes.
int train_text(const TextMethod& method, RunConfig c, const TrainOptions& options) {
    const int K = dist::world_size();
    DataParallel::quiet_other_ranks();
    CT_CHECK_AS(ValueError, c.batch_size % K == 0,
                "--batch-size " << c.batch_size << " does not split over " << K << " ranks: under mpirun --batch-size is the "
                                << "global batch; use a multiple of " << K);
    if (dist::is_main()) prepare_dir(c, options);
    set_num_threads(c.threads);
    std::printf("%s", describe(c).c_str());
    const std::string folder = find_dataset("stsb", Split::Train, c.data_dir);
    Vocabulary vocab = c.init.empty() ? Vocabulary::build(unique_sentences(read_stsb_file(folder + "/train.tsv")), c.min_freq)
                                      : init_vocabulary(c);
    const TextData d = load_text_data(c, std::move(vocab));
    std::printf("  data       stsb (%s): %zu training pairs, %zu distinct sentences, vocabulary %ld words%s\n",
                d.folder.c_str(), d.stsb.train.size(), d.sentences.size(), long(d.vocab.size()),
                c.init.empty() ? "" : (" (from " + c.init + ")").c_str());

    Generator init_gen(c.seed);
    // The dropout masks: each rank its own stream (rank 0's is the 1-process one).
    nn::TextEncoder enc(encoder_config(c, d.vocab.size()), init_gen, c.seed + 1 + 1000003ull * uint64_t(dist::rank()));
    if (!c.init.empty()) nn::load_checkpoint(c.init + "/best.safetensors", enc);
    std::printf("  parameters %s\n  checked each epoch: Spearman x100 on the %zu dev pairs\n\n",
                nn::with_thousands(enc.num_parameters()).c_str(), d.stsb.dev.size());
    const int64_t items = method.items(d);
    CT_CHECK_AS(ValueError, c.batch_size <= items, "--batch-size " << c.batch_size << " is larger than the " << items
                                                                   << " training " << method.batch_unit());
    const std::unique_ptr<Sampler> sampler =
        DataParallel::shard(std::make_unique<BatchSampler>(items, c.batch_size, true, true, c.seed), 1);
    const int64_t steps_per_epoch = int64_t(sampler->batches(0).size());
    auto opt = build_optimizer(c, param_groups(c, enc, nullptr, 1.f));
    const nn::LrSchedule schedule = build_schedule(c, steps_per_epoch);
    DataParallel parallel;
    parallel.start(c, describe_data(d), enc, enc.parameters());

    if (dist::is_main()) {
        write_text(c.out + "/config.json", to_json(c).dump(2) + "\n");
        d.vocab.save(c.out + "/vocab.txt");
        write_text(c.out + "/metrics.csv", "epoch,loss,dev_spearman_x100,lr,seconds,tokens_per_second\n");
    }
    // dev Spearman on rank 0 alone: every rank holds the same weights
    auto dev_spearman = [&] { return dist::is_main() ? sts_scores(enc, d.vocab, d.stsb.dev, c.max_tokens).spearman : 0.0; };
    double best = dev_spearman();
    std::printf("before training: dev Spearman x100 %.2f\n", best);
    if (dist::is_main()) save(c.out + "/best.safetensors", enc, c, 0, 0, best);
    int64_t step = 0;
    for (int64_t epoch = 0; epoch < c.epochs; ++epoch) {
        enc.train();
        ProgressBar bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs), steps_per_epoch, std::cout,
                        ProgressBar::stdout_is_tty());
        bar.set_unit("sent");
        double loss_sum = 0;
        int64_t tokens = 0;
        const std::vector<std::vector<int64_t>> batches = sampler->batches(epoch);
        const std::vector<std::vector<int64_t>> positions = sampler->positions(epoch, batches);
        for (size_t b = 0; b < batches.size(); ++b) {
            const std::vector<int64_t>& batch = batches[b];
            schedule.apply(*opt, step);
            std::vector<Generator> views;   // each item's views seeded by its global position
            for (int64_t p : positions[b]) views.push_back(Generator::for_sample(c.seed, uint64_t(epoch), uint64_t(p)));
            Tensor loss = method.loss(enc, c, d, batch, views);
            const float value = parallel.mean(loss.item());
            if (!std::isfinite(value)) {
                bar.finish();
                std::fprintf(stderr, "error: the loss became %s at step %ld; stopped (try a lower --lr)\n",
                             std::isnan(value) ? "NaN" : "infinite", long(step + 1));
                return 1;
            }
            opt->zero_grad();
            loss.backward();
            parallel.average_gradients();
            opt->step();
            ++step;
            loss_sum += value;
            for (int64_t i : batch)   // words encoded: both sides or both views (before word-level views), no padding
                tokens += method.batch_unit() == "pairs"
                              ? int64_t(d.pair_a[size_t(i)].size() + d.pair_b[size_t(i)].size())
                              : 2 * int64_t(d.sentences[size_t(i)].size());
            bar.step(int64_t(batch.size()) * K, 0, {{"loss", loss_sum / double(step - epoch * steps_per_epoch)}});
        }
        const double seconds = bar.finish().elapsed;
        const double mean_loss = loss_sum / double(steps_per_epoch);
        const double all_tokens = double(parallel.mean(float(tokens))) * K;
        const double dev = dev_spearman();
        const float lr = opt->param_groups()[0].lr;
        std::printf("epoch %ld/%ld  loss %.4f  dev Spearman x100 %.2f  lr %.3g  %.1f s  %.0f tokens/s%s\n", long(epoch + 1),
                    long(c.epochs), mean_loss, dev, double(lr), seconds, all_tokens / std::max(seconds, 1e-9),
                    parallel.epoch_note().c_str());
        if (!dist::is_main()) continue;   // rank 0 alone writes
        std::ostringstream row;
        row << epoch + 1 << ',' << mean_loss << ',' << dev << ',' << lr << ',' << seconds << ','
            << all_tokens / std::max(seconds, 1e-9) << '\n';
        write_text(c.out + "/metrics.csv", row.str(), std::ios::app);
        save(c.out + "/last.safetensors", enc, c, epoch + 1, step, std::max(best, dev));
        if (dev > best) {
            best = dev;
            save(c.out + "/best.safetensors", enc, c, epoch + 1, step, best);
        }
    }
    if (!dist::is_main()) return 0;
    std::printf("\nfinished: %s/last.safetensors, %s/best.safetensors (best dev Spearman x100 %.2f), %s/vocab.txt\n",
                c.out.c_str(), c.out.c_str(), best, c.out.c_str());
    std::printf("next: contrast eval %s\n", c.out.c_str());
    return 0;
}

}  // namespace ct::app
