// `contrast train`: one training run into RUN_DIR (config.json, metrics.csv, last/best
// checkpoints, pictures), resumable after Ctrl-C or a crash.
#pragma once
#include "apps/contrast/config.h"

namespace ct::app {

struct TrainOptions {
    bool resume = false;       // continue RUN_DIR from last.safetensors
    bool overwrite = false;    // start afresh in an existing RUN_DIR
    int64_t stop_after_steps = 0;   // > 0: behave as if Ctrl-C came after this many steps (tests)
    int64_t resume_epochs = 0;      // > 0 with resume: train until this many epochs in all
};

// Returns the process exit code (0 done or cleanly interrupted).
int train(RunConfig config, const TrainOptions& options);

}  // namespace ct::app
