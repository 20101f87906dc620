// `contrast compare --curve COLUMN`: a metrics.csv column of several runs on one line plot (see
// compare.h), e.g. the loss of 1 rank x 2 threads against 2 ranks x 1 thread in docs/DISTRIBUTED.md.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/contrast/compare.h"
#include "apps/contrast/pictures.h"
#include "apps/lib/plot.h"
#include "core/check.h"

namespace ct::app {

Curves curves_of_runs(const std::vector<std::string>& run_dirs, const std::string& column,
                      const std::vector<std::string>& names) {
    CT_CHECK_AS(ValueError, !run_dirs.empty(), "compare: give at least one run directory");
    CT_CHECK_AS(ValueError, names.empty() || names.size() == run_dirs.size(),
                "--names: " << names.size() << " names for " << run_dirs.size() << " runs (give one per run)");
    Curves out;
    for (size_t r = 0; r < run_dirs.size(); ++r) {
        const std::string path = run_dirs[r] + "/metrics.csv";
        std::ifstream in(path);
        CT_CHECK_AS(IoError, in.good(), path << ": cannot open (is " << run_dirs[r] << " a run of `contrast train`?)");
        std::ostringstream text;
        text << in.rdbuf();
        MetricsColumns cols = metrics_from_csv(text.str(), path);
        if (cols.count(column) == 0) {
            std::string all;
            for (const auto& entry : cols) all += (all.empty() ? "" : ", ") + entry.first;
            CT_THROW(IoError, path << ": --curve " << column << ": no such column (it has: " << all << ")");
        }
        out.epochs.push_back(cols["epoch"]);
        out.values.push_back(cols[column]);
        out.runs.push_back(names.empty() ? std::filesystem::path(run_dirs[r]).filename().string() : names[r]);
    }
    return out;
}

int compare_curves(const std::vector<std::string>& run_dirs, const std::string& column,
                   const std::vector<std::string>& names, const std::string& title, const std::string& out_png) {
    const Curves c = curves_of_runs(run_dirs, column, names);
    std::vector<Series> series;
    for (size_t r = 0; r < c.runs.size(); ++r) {
        series.push_back({c.runs[r], c.epochs[r], c.values[r]});
        std::printf("%s:", c.runs[r].c_str());
        for (double v : c.values[r]) std::printf(" %.4f", v);
        std::printf("\n");
    }
    LinePlotOptions o;
    o.title = title.empty() ? column + " per epoch" : title;
    o.x_label = "epoch";
    o.y_label = column;
    line_plot(series, o).save_png(out_png);
    std::printf("wrote %s\n", out_png.c_str());
    return 0;
}

}  // namespace ct::app
