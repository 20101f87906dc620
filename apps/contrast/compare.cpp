// Results of several runs side by side: a Markdown table and a grouped bar chart. See compare.h.
#include "apps/contrast/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/lib/plot.h"
#include "core/check.h"

namespace ct::app {

const std::vector<std::string>& comparable_metrics() {
    static const std::vector<std::string> v{"precision_at_1", "r_precision", "map_at_r", "knn1_accuracy",
                                            "weighted_knn200_accuracy", "nmi", "linear_probe_accuracy"};
    return v;
}

std::string metric_label(const std::string& key) {
    static const std::vector<std::string> labels{"P@1", "R-precision", "MAP@R", "kNN-1", "weighted kNN-200", "NMI",
                                                 "linear probe"};
    const auto& keys = comparable_metrics();
    for (size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == key) return labels[i];
    return key;
}

Comparison compare_runs(const std::vector<std::string>& run_dirs, const std::vector<std::string>& metrics,
                        const std::vector<std::string>& names) {
    CT_CHECK_AS(ValueError, !run_dirs.empty(), "compare: give at least one run directory");
    CT_CHECK_AS(ValueError, names.empty() || names.size() == run_dirs.size(),
                "--names: " << names.size() << " names for " << run_dirs.size() << " runs (give one per run)");
    Comparison out;
    for (const std::string& m : metrics) {
        bool known = false;
        for (const std::string& k : comparable_metrics()) known = known || k == m;
        std::string all;
        for (const std::string& k : comparable_metrics()) all += (all.empty() ? "" : "|") + k;
        CT_CHECK_AS(ValueError, known, "--metrics: '" << m << "' is not one of: " << all);
        out.metrics.push_back(m);
    }
    for (size_t r = 0; r < run_dirs.size(); ++r) {
        const std::string path = run_dirs[r] + "/eval.json";
        std::ifstream in(path);
        CT_CHECK_AS(IoError, in.good(), path << ": cannot open: run `contrast eval " << run_dirs[r] << "` first");
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            CT_THROW(IoError, path << ": malformed JSON: " << e.what());
        }
        std::vector<double> row;
        for (const std::string& m : out.metrics) {
            CT_CHECK_AS(IoError, j.is_object() && j.contains(m) && j.at(m).is_number(),
                        path << ": no number \"" << m << "\""
                             << (m == "linear_probe_accuracy" ? " (runs without a head have no linear probe)" : ""));
            row.push_back(j.at(m).get<double>());
        }
        out.values.push_back(row);
        out.runs.push_back(names.empty() ? std::filesystem::path(run_dirs[r]).filename().string() : names[r]);
    }
    return out;
}

std::string Comparison::markdown() const {
    std::ostringstream os;
    os << "| run |";
    for (const std::string& m : metrics) os << " " << metric_label(m) << " |";
    os << "\n|---|";
    for (size_t i = 0; i < metrics.size(); ++i) os << "---|";
    os << "\n";
    for (size_t r = 0; r < runs.size(); ++r) {
        os << "| " << runs[r] << " |";
        for (double v : values[r]) {
            char buf[32];
            std::snprintf(buf, sizeof buf, " %.4f |", v);
            os << buf;
        }
        os << "\n";
    }
    return os.str();
}

int compare(const std::vector<std::string>& run_dirs, const std::vector<std::string>& metrics,
            const std::vector<std::string>& names, const std::string& title, const std::string& out_png) {
    const Comparison c = compare_runs(run_dirs, metrics, names);
    std::printf("%s", c.markdown().c_str());
    std::vector<std::string> categories;
    for (const std::string& m : c.metrics) categories.push_back(metric_label(m));
    std::vector<BarSeries> series;
    for (size_t r = 0; r < c.runs.size(); ++r) series.push_back({c.runs[r], c.values[r]});
    BarChartOptions o;
    o.title = title;
    o.decimals = 4;   // MNIST methods differ in the third decimal
    o.width = std::max(800, 140 + int(categories.size() * c.runs.size()) * 70);   // bars wide enough for their labels
    bar_chart(categories, series, o).save_png(out_png);
    std::printf("wrote %s\n", out_png.c_str());
    return 0;
}

}  // namespace ct::app
