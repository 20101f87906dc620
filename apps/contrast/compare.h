// `contrast compare RUN_DIR...`: the evaluation results of several runs (their eval.json, written
// by `contrast eval`) side by side, as a Markdown table and a grouped bar chart (one group per
// metric, one bar per run): the results tables of the README and docs/. With --curve, a column of
// their metrics.csv per epoch instead, one line per run (compare_curves.cpp).
#pragma once
#include <string>
#include <vector>

namespace ct::app {

// The metrics eval.json holds, by key: "precision_at_1", "map_at_r", ...; and their short labels.
const std::vector<std::string>& comparable_metrics();
std::string metric_label(const std::string& key);   // "P@1", "MAP@R", ...

struct Comparison {
    std::vector<std::string> metrics;           // keys, in the order asked
    std::vector<std::string> runs;              // names (given, or the run folders' names)
    std::vector<std::vector<double>> values;    // values[run][metric]
    std::string markdown() const;               // | run | P@1 | MAP@R |, 4 decimals
};
// Reads RUN/eval.json of each run. names: empty, or one per run. Errors (IoError / ValueError) name
// the file and the missing or non-numeric key, or the flag.
Comparison compare_runs(const std::vector<std::string>& run_dirs, const std::vector<std::string>& metrics,
                        const std::vector<std::string>& names);

// The command: prints the table and writes the bar chart to out_png.
int compare(const std::vector<std::string>& run_dirs, const std::vector<std::string>& metrics,
            const std::vector<std::string>& names, const std::string& title, const std::string& out_png);

// `contrast compare --curve COLUMN RUN_DIR...`: COLUMN of each run's metrics.csv ("loss",
// "online_p_at_1", "images_per_second", ...) against the epoch, one line per run on one plot (the
// runs need no eval.json). Errors name the file and the missing column, or the flag.
struct Curves {
    std::vector<std::string> runs;                 // names, as compare_runs
    std::vector<std::vector<double>> epochs, values;
};
Curves curves_of_runs(const std::vector<std::string>& run_dirs, const std::string& column,
                      const std::vector<std::string>& names);
int compare_curves(const std::vector<std::string>& run_dirs, const std::string& column,
                   const std::vector<std::string>& names, const std::string& title, const std::string& out_png);

}  // namespace ct::app
