// `contrast eval RUN_DIR` (metrics table + eval.json) and `contrast embed RUN_DIR` (.npy files).
#pragma once
#include <string>

#include "apps/contrast/setup.h"
#include "apps/lib/collapse.h"

namespace ct::app {

// A finished (or interrupted) run loaded back: its config, data and model with the chosen weights.
struct LoadedRun {
    RunConfig config;
    RunData data;
    Model model;
};
// The compute threads of the commands that load a run (eval, embed, plot, retrieve): their
// --threads when given (> 0), else the run's own --threads.
void set_load_threads(int64_t threads);
int64_t load_threads(const RunConfig& c);

// checkpoint: "best" or "last" (RUN_DIR/<checkpoint>.safetensors).
LoadedRun load_run(const std::string& run_dir, const std::string& checkpoint = "best");

struct EvalOptions {
    std::string checkpoint = "best";
    bool linear_probe = true;      // runs with a head only
    int64_t probe_epochs = 100;
};
int evaluate(const std::string& run_dir, const EvalOptions& options);

// The on-line check of each training epoch on 1,000 test images against 5,000 training images,
// evenly spaced (cheap enough to run every epoch, stable enough to pick "best"): Precision@1, and
// the collapse test of the query embeddings (apps/lib/collapse.h).
struct OnlineCheck {
    double precision_at_1 = 0;
    CollapseCheck collapse;
};
OnlineCheck online_check(const RunConfig& c, const Model& m, const RunData& d);
int embed(const std::string& run_dir, const std::string& checkpoint);

}  // namespace ct::app
