// The run directory's life cycle shared by the image and text training loops (run_dir.h).
#include "apps/contrast/run_dir.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "core/distributed.h"

namespace fs = std::filesystem;

namespace ct::app {

RunConfig open_run(RunConfig c, const TrainOptions& options) {
    const std::string run = c.out, last = run + "/last.safetensors";
    if (options.resume) {
        CT_CHECK_AS(IoError, fs::exists(run + "/config.json"),
                    run << "/config.json: cannot open: there is no run to resume in " << run
                        << "; start one without --resume (or with --overwrite to replace what is there)");
        c = load_config(run);
        CT_CHECK_AS(IoError, fs::exists(last),
                    last << ": cannot open: the run stopped before its first checkpoint, so there is nothing to "
                            "resume; start it afresh with the same flags and --overwrite (without --resume)");
        c.out = run;
        if (options.resume_epochs > 0) c.epochs = options.resume_epochs;   // --epochs may extend a finished run
        return c;
    }
    if (!options.overwrite && fs::exists(run + "/config.json")) {
        CT_CHECK_AS(ValueError, fs::exists(last),
                    run << " already holds a run that stopped before its first checkpoint (config.json but no "
                           "last.safetensors): pass --overwrite to start it afresh, or another --out");
        CT_THROW(ValueError, run << " already holds a run: pass --resume to continue it, --overwrite to start "
                                    "afresh (its checkpoints are replaced), or another --out");
    }
    std::error_code error;
    fs::create_directories(run, error);
    CT_CHECK_AS(IoError, !error, "--out " << run << ": cannot create the run directory (" << error.message() << ")");
    return c;
}

void check_position(const nn::TrainingState& st, const std::string& path, int64_t steps_per_epoch) {
    const int64_t max_epoch = int64_t(config_field("epochs").hi);
    CT_CHECK_AS(IoError, st.epoch >= 0 && st.epoch <= max_epoch,
                path << ": checkpoint metadata 'contrast.epoch' = " << st.epoch << " is not an epoch (0.." << max_epoch
                     << "); start afresh with --overwrite");
    CT_CHECK_AS(IoError, st.step >= st.epoch * steps_per_epoch && st.step <= (st.epoch + 1) * steps_per_epoch,
                path << ": checkpoint metadata 'contrast.step' = " << st.step << " does not fit epoch " << st.epoch
                     << " of " << steps_per_epoch << " steps; start afresh with --overwrite");
}

void trim_metrics(const std::string& path, int64_t finished_epochs) {
    std::ifstream in(path);
    CT_CHECK_AS(IoError, in.good(), path << ": cannot open (it belongs to the run being resumed)");
    std::string line, kept;
    for (int64_t row = 0; std::getline(in, line); ++row)
        if (row <= finished_epochs) kept += line + "\n";   // row 0: the header
    write_text_atomic(path, kept);
}

void report_divergence(float loss, int64_t step, const std::string& where, const std::string& last_path) {
    const std::string kept = fs::exists(last_path) ? "the last good checkpoint " + last_path + " is kept"
                                                   : "no checkpoint had been written yet";
    std::fprintf(stderr, "error: the loss became %s at step %ld%s; stopped, %s (try a lower --lr)\n",
                 std::isnan(loss) ? "NaN" : "infinite", long(step), where.c_str(), kept.c_str());
}

void write_text_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        out.flush();
        CT_CHECK_AS(IoError, out.good(), path << ": cannot write (disk full or no permission?)");
    }
    fs::rename(tmp, path);
}

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted = true; }
}  // namespace

InterruptCatcher::InterruptCatcher() {
    g_interrupted = false;
    std::signal(SIGINT, on_interrupt);
    if (dist::world_size() > 1) std::signal(SIGTERM, on_interrupt);
}

InterruptCatcher::~InterruptCatcher() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

bool InterruptCatcher::requested() { return g_interrupted; }

}  // namespace ct::app
