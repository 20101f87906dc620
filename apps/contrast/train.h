// `contrast train`: one training run into RUN_DIR (config.json, metrics.csv, last/best
// checkpoints, pictures), resumable after Ctrl-C or a crash.
#pragma once
#include <cstdint>
#include <string>

#include "apps/contrast/config.h"

namespace ct::app {

struct TrainOptions {
    bool resume = false;       // continue RUN_DIR from last.safetensors
    bool overwrite = false;    // start afresh in an existing RUN_DIR
    int64_t stop_after_steps = 0;   // > 0: behave as if Ctrl-C came after this many steps (tests)
    int64_t resume_epochs = 0;      // > 0 with resume: train until this many epochs in all
};

// Progress beyond the config that resume needs, kept in the checkpoint's 'contrast.config' metadata.
struct Progress {
    double best = -1;
    double epoch_loss_sum = 0;
    int64_t epoch_batches = 0;
};
// That metadata's text, checked: JSON, every number present and within bounds (an epoch holds
// steps_per_epoch batches). Errors are IoError naming `path` and the key. Also the fuzz target
// resume_meta.
Progress progress_from_metadata(const std::string& config_json, const std::string& path, int64_t steps_per_epoch);

// Returns the process exit code (0 done or cleanly interrupted).
int train(RunConfig config, const TrainOptions& options);

}  // namespace ct::app
