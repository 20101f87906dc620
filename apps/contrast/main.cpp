// The `contrast` command line: train, eval, embed, plot, retrieve, augment, compare. Flags are parsed by
// CLI11; a bad flag or value prints one line naming the valid choices and exits with 2; any other
// failure prints `error: ...` and exits with 1.
#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "apps/contrast/compare.h"
#include "apps/contrast/config.h"
#include "apps/contrast/eval_ranks.h"
#include "apps/contrast/evaluate.h"
#include "apps/contrast/method.h"
#include "apps/contrast/pictures.h"
#include "apps/contrast/train.h"
#include "core/check.h"
#include "core/distributed.h"
#include "core/parallel.h"

using namespace ct::app;

namespace {

// The check of a field of the table (config.h): the same one a loaded config.json goes through.
// CLI11 prints "--flag: <message>".
CLI::Validator field_check(const Field& f) {
    return CLI::Validator(
        [&f](std::string& text) -> std::string {
            std::string error;
            const nlohmann::json v = f.parse_text(text, error);
            return error.empty() ? f.check(v, text) : error;
        },
        f.range_text());
}

// CLI11's PositiveNumber reports "Value 0 not in range 0.000000 to 1.797...e308"; this says it plainly.
CLI::Validator positive_integer(int64_t hi) {
    Field f;
    f.kind = Field::Kind::Integer;
    f.bounded = true;
    f.lo_open = true;
    f.hi = double(hi);
    return CLI::Validator(
        [f](std::string& text) -> std::string {
            std::string error;
            const nlohmann::json v = f.parse_text(text, error);
            return error.empty() ? f.check(v, text) : error;
        },
        f.range_text());
}

// One option per flag of the field table; the texts given are kept for resolve_train_config.
struct TrainFlags {
    std::map<std::string, std::string> text;   // by field name
    std::map<std::string, bool> switched;      // Switch fields: their --no-... flag was given
    std::string pk;
};
void add_train_flags(CLI::App& cmd, TrainFlags& flags) {
    for (const Field& f : config_fields()) {
        if (f.flag.empty()) continue;
        if (f.kind == Field::Kind::Switch) {
            cmd.add_flag(f.flag, flags.switched[f.name], f.help);
            continue;
        }
        const char* type = f.kind == Field::Kind::Integer ? "INT" : f.kind == Field::Kind::Number ? "NUMBER" : "TEXT";
        cmd.add_option(f.flag, flags.text[f.name], f.help)->check(field_check(f))->type_name(type);
    }
    cmd.add_option("--pk", flags.pk, "P,K: P classes x K samples per triplet batch (e.g. 8,32)");
}

// The method's defaults, then the flags the user gave on top of them.
RunConfig resolve_train_config(CLI::App& cmd, const TrainFlags& flags) {
    const RunConfig base;
    const std::string method = cmd.count("--method") ? flags.text.at("method") : base.method;
    const std::string data = cmd.count("--data") ? flags.text.at("data") : base.data;
    RunConfig c = defaults_for(method, data);
    for (const Field& f : config_fields()) {
        if (f.flag.empty() || cmd.count(f.flag) == 0) continue;
        if (!f.methods.empty() && std::find(f.methods.begin(), f.methods.end(), c.method) == f.methods.end()) {
            std::string users;
            for (const std::string& m : f.methods) users += (users.empty() ? "" : "|") + m;
            CT_THROW(ct::ValueError, f.flag << " applies to --method " << users << " only, not " << c.method);
        }
        if (f.kind == Field::Kind::Switch) {
            f.put(c, f.flag.rfind("--no-", 0) != 0);   // --no-augment: false
            continue;
        }
        std::string error;
        f.put(c, f.parse_text(flags.text.at(f.name), error));   // checked by the validator already
    }
    if (!flags.pk.empty()) set_pk(c, flags.pk);
    // A method's default warm-up (the LARS recipes' 1 epoch) shrinks to fit a short run, such as a
    // 1-epoch smoke run; a --warmup-epochs the user gave is checked instead.
    if (c.schedule == "warmup-cosine" && cmd.count("--warmup-epochs") == 0 && c.warmup_epochs >= c.epochs)
        c.warmup_epochs = c.epochs - 1;
    find_method(c.method).finish(c);
    check_consistency(c, "");
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    ct::setup_runtime(argv);
    CLI::App app{"contrast: contrastive, similarity and metric learning on the CPU"};
    app.require_subcommand(1);
    app.set_version_flag("--version", kVersion);

    TrainFlags train_flags;
    TrainOptions train_options;
    CLI::App* train_cmd = app.add_subcommand("train", "train a network; writes RUN_DIR (--out)");
    add_train_flags(*train_cmd, train_flags);
    train_cmd->add_flag("--resume", train_options.resume, "continue the run in --out from its last checkpoint");
    train_cmd->add_flag("--overwrite", train_options.overwrite, "start afresh even if --out holds a run");
    train_cmd->add_option("--stop-after-steps", train_options.stop_after_steps,
                          "stop as Ctrl-C would after N steps (for testing resume)")
        ->check(positive_integer(int64_t(1) << 40));

    std::string run_dir, checkpoint = "best";
    int64_t load_threads = 0;
    const std::string threads_help = "compute threads (default: the run's --threads)";
    const CLI::Validator threads_check = field_check(config_field("threads"));
    EvalOptions eval_options;
    CLI::App* eval_cmd = app.add_subcommand("eval", "evaluate a run on the test set (kNN, P@1, MAP@R, NMI, linear probe)");
    eval_cmd->add_option("run_dir", run_dir, "run directory")->required();
    eval_cmd->add_option("--threads", load_threads, threads_help)->check(threads_check);
    eval_cmd->add_option("--checkpoint", eval_options.checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));
    eval_cmd->add_flag("!--no-probe", eval_options.linear_probe, "skip the linear probe");
    eval_cmd->add_option("--probe-epochs", eval_options.probe_epochs, "epochs of the linear probe")->check(positive_integer(100000));

    CLI::App* embed_cmd = app.add_subcommand("embed", "write test embeddings and labels as .npy");
    embed_cmd->add_option("run_dir", run_dir, "run directory")->required();
    embed_cmd->add_option("--threads", load_threads, threads_help)->check(threads_check);
    embed_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    CLI::App* plot_cmd = app.add_subcommand("plot", "write loss.png, accuracy.png and embedding.png");
    plot_cmd->add_option("run_dir", run_dir, "run directory")->required();
    plot_cmd->add_option("--threads", load_threads, threads_help)->check(threads_check);
    plot_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    int64_t queries = 8, neighbors = 8;
    CLI::App* retrieve_cmd = app.add_subcommand("retrieve", "write a PNG of test queries and their nearest training images (a text run: print the nearest training sentences)");
    retrieve_cmd->add_option("run_dir", run_dir, "run directory")->required();
    retrieve_cmd->add_option("--threads", load_threads, threads_help)->check(threads_check);
    retrieve_cmd->add_option("--query", queries, "number of queries (rows)")->check(CLI::Range(1, 64));
    retrieve_cmd->add_option("--neighbors", neighbors, "neighbours per query")->check(CLI::Range(1, 32));
    retrieve_cmd->add_option("--checkpoint", checkpoint, "best|last")->check(CLI::IsMember({"best", "last"}));

    int64_t grid_images = 8, grid_views = 8;
    std::string grid_out = "augment.png", aug_method = "simclr", aug_data = "cifar10";
    RunConfig aug_given;
    CLI::App* augment_cmd = app.add_subcommand("augment", "write a PNG grid of augmented views of a data set");
    augment_cmd->add_option("--data", aug_data, "mnist|mnist-sample|fashion-mnist|cifar10|cifar100|DIR");
    augment_cmd->add_option("--data-dir", aug_given.data_dir, "the only folder searched for the data");
    augment_cmd->add_option("--method", aug_method, "whose augmentation")->check(field_check(config_field("method")));
    augment_cmd->add_option("--color-strength", aug_given.color_strength, "SimCLR colour strength")
        ->check(field_check(config_field("color_strength")));
    augment_cmd->add_option("--crop-scale", aug_given.crop_scale, "smallest crop area, as a share of the image")
        ->check(field_check(config_field("crop_scale")));
    augment_cmd->add_option("--images", grid_images, "images (rows)")->check(CLI::Range(1, 64));
    augment_cmd->add_option("--views", grid_views, "views per image (columns)")->check(CLI::Range(1, 32));
    augment_cmd->add_option("--seed", aug_given.seed, "seed")->check(field_check(config_field("seed")));
    augment_cmd->add_option("--out", grid_out, "output PNG");

    std::vector<std::string> compare_dirs, compare_names, compare_metrics{"precision_at_1", "map_at_r"};
    std::string compare_title, compare_out = "compare.png", compare_curve;
    CLI::App* compare_cmd = app.add_subcommand("compare", "a Markdown table and a bar chart (PNG) of several runs' eval.json; with --curve a line plot of their metrics.csv");
    compare_cmd->add_option("run_dirs", compare_dirs, "run directories, each evaluated by `contrast eval`")->required();
    compare_cmd->add_option("--metrics", compare_metrics, "comma-separated keys of eval.json (default precision_at_1,map_at_r)")
        ->delimiter(',');
    compare_cmd->add_option("--names", compare_names, "comma-separated, one per run (default: the folders' names)")
        ->delimiter(',');
    compare_cmd->add_option("--title", compare_title, "title of the chart");
    compare_cmd->add_option("--out", compare_out, "output PNG");
    compare_cmd->add_option("--curve", compare_curve, "instead: this column of each run's metrics.csv per epoch "
                                                      "(loss, online_p_at_1, images_per_second, ...), one line per run");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (*train_cmd) {
            const RunConfig c = resolve_train_config(*train_cmd, train_flags);
            if (train_options.resume && train_cmd->count("--epochs")) train_options.resume_epochs = c.epochs;
            return train(c, train_options);
        }
        set_load_threads(load_threads);
        if (*eval_cmd) return evaluate(run_dir, eval_options);
        if (*embed_cmd) return embed(run_dir, checkpoint);
        if (*plot_cmd) return plot(run_dir, checkpoint);
        if (*retrieve_cmd) return retrieve(run_dir, queries, neighbors, checkpoint);
        if (*compare_cmd || *augment_cmd) refuse_under_ranks(*compare_cmd ? "compare" : "augment");
        if (*compare_cmd && !compare_curve.empty())
            return compare_curves(compare_dirs, compare_curve, compare_names, compare_title, compare_out);
        if (*compare_cmd) return compare(compare_dirs, compare_metrics, compare_names, compare_title, compare_out);
        if (*augment_cmd) {
            RunConfig c = defaults_for(aug_method, aug_data);
            c.data_dir = aug_given.data_dir;
            c.seed = aug_given.seed;
            if (augment_cmd->count("--color-strength")) c.color_strength = aug_given.color_strength;
            if (augment_cmd->count("--crop-scale")) c.crop_scale = aug_given.crop_scale;
            return augment_grid(c, grid_images, grid_views, grid_out);
        }
    } catch (const std::exception& e) {
        // Under mpirun the other ranks would wait forever in their next collective: stop them all.
        if (ct::dist::launched() && ct::dist::world_size() > 1) ct::dist::abort_all(e.what());
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
