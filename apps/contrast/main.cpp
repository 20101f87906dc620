// The `contrast` command line: train, eval, embed, plot, retrieve, augment. Flags are parsed by
// CLI11; a bad flag or value prints one line naming the valid choices and exits with 2; any other
// failure prints `error: ...` and exits with 1.
#include <cstdio>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/contrast/config.h"
#include "apps/contrast/evaluate.h"
#include "apps/contrast/pictures.h"
#include "apps/contrast/train.h"
#include "core/check.h"
#include "core/parallel.h"

using namespace ct::app;

namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
    return s;
}

// CLI11's PositiveNumber reports "Value 0 not in range 0.000000 to 1.797...e308"; these say it plainly.
CLI::Validator number_check(bool zero_allowed) {
    return CLI::Validator(
        [zero_allowed](std::string& text) -> std::string {
            double v = 0;
            try {
                size_t used = 0;
                v = std::stod(text, &used);
                if (used != text.size()) throw std::invalid_argument(text);
            } catch (const std::exception&) {
                return "expected a number, got '" + text + "'";
            }
            if (zero_allowed ? v >= 0 : v > 0) return "";
            return std::string("must be ") + (zero_allowed ? ">= 0" : "> 0") + ", got " + text;
        },
        zero_allowed ? "NUMBER >= 0" : "NUMBER > 0");
}
const CLI::Validator kPositive = number_check(false), kNonNegative = number_check(true);

// Flags given on the command line override the method's defaults; the rest keep them.
void add_train_flags(CLI::App& cmd, RunConfig& c, std::string& method, std::string& data, std::string& pk) {
    cmd.add_option("--method", method, "what to learn: " + joined(methods()))->check(CLI::IsMember(methods()));
    cmd.add_option("--data", data, "mnist|mnist-sample|fashion-mnist|cifar10|cifar100|DIR (an image folder)");
    cmd.add_option("--data-dir", c.data_dir, "folder searched first for the data (then $CONTRAST_DATA, ./data)");
    cmd.add_option("--model", c.model, "encoder: " + joined(models()))->check(CLI::IsMember(models()));
    cmd.add_option("--width", c.width, "channel width of e2 / resnet18")->check(kPositive);
    cmd.add_option("--embedding-dim", c.embedding_dim, "embedding (or projection) dimension")->check(kPositive);
    cmd.add_option("--epochs", c.epochs, "training epochs")->check(kPositive);
    cmd.add_option("--batch-size", c.batch_size, "images per step (siamese: pairs per step)")->check(kPositive);
    cmd.add_option("--optimizer", c.optimizer, joined(optimizers()))->check(CLI::IsMember(optimizers()));
    cmd.add_option("--lr", c.lr, "learning rate")->check(kPositive);
    cmd.add_option("--weight-decay", c.weight_decay, "weight decay")->check(kNonNegative);
    cmd.add_option("--momentum", c.momentum, "momentum of sgd / lars")->check(CLI::Range(0.0, 1.0));
    cmd.add_option("--schedule", c.schedule, joined(schedules()))->check(CLI::IsMember(schedules()));
    cmd.add_option("--warmup-epochs", c.warmup_epochs, "epochs of linear warm-up (warmup-cosine)")->check(kNonNegative);
    cmd.add_option("--temperature", c.temperature, "temperature of NT-Xent / SupCon")->check(kPositive);
    cmd.add_option("--margin", c.margin, "margin of the contrastive / triplet loss")->check(kPositive);
    cmd.add_option("--miner", c.miner, "triplet mining: " + joined(miners()))->check(CLI::IsMember(miners()));
    cmd.add_option("--pk", pk, "P,K: P classes x K samples per triplet batch (e.g. 8,32)");
    cmd.add_option("--color-strength", c.color_strength, "SimCLR colour-jitter strength")->check(CLI::Range(0.0, 1.0));
    cmd.add_flag("!--no-augment", c.augment, "no augmentation for siamese / triplet / classifier");
    cmd.add_option("--train-limit", c.train_limit, "use only N training images, evenly spaced")->check(kNonNegative);
    cmd.add_option("--test-limit", c.test_limit, "evaluate on N test images, evenly spaced")->check(kNonNegative);
    cmd.add_option("--threads", c.threads, "compute threads (OpenMP + OpenBLAS)")->check(CLI::Range(1, 256));
    cmd.add_option("--workers", c.workers, "data loader threads (0: load on the training thread)")->check(CLI::Range(0, 64));
    cmd.add_option("--seed", c.seed, "seed of every random choice");
    cmd.add_option("--out", c.out, "run directory (config, metrics, checkpoints, pictures)");
}

// Applies the flags the user gave on top of the method's defaults.
RunConfig resolve_train_config(CLI::App& cmd, const RunConfig& given, const std::string& method,
                               const std::string& data, const std::string& pk) {
    RunConfig c = defaults_for(method, data);
    auto set = [&](const char* flag, auto& field, const auto& value) {
        if (cmd.count(flag) > 0) field = value;
    };
    set("--data-dir", c.data_dir, given.data_dir);
    set("--model", c.model, given.model);
    set("--width", c.width, given.width);
    set("--embedding-dim", c.embedding_dim, given.embedding_dim);
    set("--epochs", c.epochs, given.epochs);
    set("--batch-size", c.batch_size, given.batch_size);
    set("--optimizer", c.optimizer, given.optimizer);
    set("--lr", c.lr, given.lr);
    set("--weight-decay", c.weight_decay, given.weight_decay);
    set("--momentum", c.momentum, given.momentum);
    set("--schedule", c.schedule, given.schedule);
    set("--warmup-epochs", c.warmup_epochs, given.warmup_epochs);
    set("--temperature", c.temperature, given.temperature);
    set("--margin", c.margin, given.margin);
    set("--miner", c.miner, given.miner);
    set("--color-strength", c.color_strength, given.color_strength);
    set("--no-augment", c.augment, given.augment);
    set("--train-limit", c.train_limit, given.train_limit);
    set("--test-limit", c.test_limit, given.test_limit);
    set("--threads", c.threads, given.threads);
    set("--workers", c.workers, given.workers);
    set("--seed", c.seed, given.seed);
    set("--out", c.out, given.out);
    if (!pk.empty()) {
        const auto comma = pk.find(',');
        CT_CHECK_AS(ct::ValueError, comma != std::string::npos,
                    "--pk " << pk << ": expected P,K such as 8,32");
        c.pk_classes = std::stoll(pk.substr(0, comma));
        c.pk_samples = std::stoll(pk.substr(comma + 1));
        CT_CHECK_AS(ct::ValueError, c.pk_classes >= 2 && c.pk_samples >= 2,
                    "--pk " << pk << ": P and K must both be at least 2");
    }
    if (c.method == "triplet") c.batch_size = c.pk_classes * c.pk_samples;
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    ct::setup_runtime(argv);
    CLI::App app{"contrast: contrastive, similarity and metric learning on the CPU"};
    app.require_subcommand(1);
    app.set_version_flag("--version", kVersion);

    RunConfig given;
    std::string method = "siamese", data = "mnist", pk;
    TrainOptions train_options;
    CLI::App* train_cmd = app.add_subcommand("train", "train a network; writes RUN_DIR (--out)");
    add_train_flags(*train_cmd, given, method, data, pk);
    train_cmd->add_flag("--resume", train_options.resume, "continue the run in --out from its last checkpoint");
    train_cmd->add_flag("--overwrite", train_options.overwrite, "start afresh even if --out holds a run");
    train_cmd->add_option("--stop-after-steps", train_options.stop_after_steps,
                          "stop as Ctrl-C would after N steps (for testing resume)");

    std::string run_dir, checkpoint = "best";
    EvalOptions eval_options;
    CLI::App* eval_cmd = app.add_subcommand("eval", "evaluate a run on the test set (kNN, P@1, MAP@R, NMI, linear probe)");
    eval_cmd->add_option("run_dir", run_dir, "run directory")->required();
    eval_cmd->add_option("--checkpoint", eval_options.checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));
    eval_cmd->add_flag("!--no-probe", eval_options.linear_probe, "skip the linear probe");
    eval_cmd->add_option("--probe-epochs", eval_options.probe_epochs, "epochs of the linear probe")->check(kPositive);

    CLI::App* embed_cmd = app.add_subcommand("embed", "write test embeddings and labels as .npy");
    embed_cmd->add_option("run_dir", run_dir, "run directory")->required();
    embed_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    CLI::App* plot_cmd = app.add_subcommand("plot", "write curves.png and embedding.png");
    plot_cmd->add_option("run_dir", run_dir, "run directory")->required();
    plot_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    int64_t queries = 8, neighbors = 8;
    CLI::App* retrieve_cmd = app.add_subcommand("retrieve", "write a PNG of test queries and their nearest training images");
    retrieve_cmd->add_option("run_dir", run_dir, "run directory")->required();
    retrieve_cmd->add_option("--query", queries, "number of queries (rows)")->check(CLI::Range(1, 64));
    retrieve_cmd->add_option("--neighbors", neighbors, "neighbours per query")->check(CLI::Range(1, 32));
    retrieve_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    int64_t grid_images = 8, grid_views = 8;
    std::string grid_out = "augment.png", aug_method = "simclr", aug_data = "cifar10";
    RunConfig aug_given;
    CLI::App* augment_cmd = app.add_subcommand("augment", "write a PNG grid of augmented views of a data set");
    augment_cmd->add_option("--data", aug_data, "mnist|mnist-sample|fashion-mnist|cifar10|cifar100|DIR");
    augment_cmd->add_option("--data-dir", aug_given.data_dir, "folder searched first for the data");
    augment_cmd->add_option("--method", aug_method, "whose augmentation: " + joined(methods()))->check(CLI::IsMember(methods()));
    augment_cmd->add_option("--color-strength", aug_given.color_strength, "SimCLR colour strength")->check(CLI::Range(0.0, 1.0));
    augment_cmd->add_option("--images", grid_images, "images (rows)")->check(CLI::Range(1, 64));
    augment_cmd->add_option("--views", grid_views, "views per image (columns)")->check(CLI::Range(1, 32));
    augment_cmd->add_option("--seed", aug_given.seed, "seed");
    augment_cmd->add_option("--out", grid_out, "output PNG");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (*train_cmd) {
            if (train_options.resume && train_cmd->count("--epochs")) train_options.resume_epochs = given.epochs;
            return train(resolve_train_config(*train_cmd, given, method, data, pk), train_options);
        }
        if (*eval_cmd) return evaluate(run_dir, eval_options);
        if (*embed_cmd) return embed(run_dir, checkpoint);
        if (*plot_cmd) return plot(run_dir, checkpoint);
        if (*retrieve_cmd) return retrieve(run_dir, queries, neighbors, checkpoint);
        if (*augment_cmd) {
            RunConfig c = defaults_for(aug_method, aug_data);
            c.data_dir = aug_given.data_dir;
            c.seed = aug_given.seed;
            if (augment_cmd->count("--color-strength")) c.color_strength = aug_given.color_strength;
            return augment_grid(c, grid_images, grid_views, grid_out);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
