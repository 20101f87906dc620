// What every training loop (train.cpp for images, train_text.cpp for sentences) does with its run
// directory and its process: open RUN_DIR fresh or for --resume, check a checkpoint's position,
// trim metrics.csv to it, write files atomically, and turn Ctrl-C into a clean stop.
#pragma once
#include <cstdint>
#include <string>

#include "apps/contrast/config.h"
#include "apps/contrast/train.h"
#include "nn/checkpoint.h"

namespace ct::app {

// A fresh run refuses to overwrite another unless told to and creates the directory; a resumed one
// returns RUN_DIR/config.json (validated like the flags), --epochs aside.
RunConfig open_run(RunConfig c, const TrainOptions& options);

// The epoch and step of a loaded checkpoint fit a run of steps_per_epoch steps an epoch; else an
// IoError naming `path`.
void check_position(const nn::TrainingState& st, const std::string& path, int64_t steps_per_epoch);

// Drops the rows of metrics.csv after the checkpoint's last finished epoch: a run stopped between
// an epoch's row and its checkpoint (kill -9, a full disk) would otherwise list that epoch twice.
void trim_metrics(const std::string& path, int64_t finished_epochs);

// The error line of a training step whose loss is NaN or infinite (the run stops): the step, where
// (e.g. " (epoch 3)"), and whether last_path, the last good checkpoint, exists to go back to.
void report_divergence(float loss, int64_t step, const std::string& where, const std::string& last_path);

// Writes through path.tmp and a rename: a crash leaves the old file or the new one, never half of one.
void write_text_atomic(const std::string& path, const std::string& text);

// While one lives, Ctrl-C (and, under mpirun, which passes it on as SIGTERM, SIGTERM) only sets a
// flag that the training loop reads between steps, to save and stop cleanly.
class InterruptCatcher {
public:
    InterruptCatcher();
    ~InterruptCatcher();
    InterruptCatcher(const InterruptCatcher&) = delete;
    InterruptCatcher& operator=(const InterruptCatcher&) = delete;
    static bool requested();
};

}  // namespace ct::app
