// The pictures of a run: loss and accuracy curves, the embedding scatter (2-D directly, else
// PCA), retrieval grids, and grids of augmented views. All PNG, written next to the run's files.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "apps/contrast/config.h"

namespace ct::app {

// metrics.csv's text as columns by header name; every row must hold a number in every column.
// Errors are IoError naming `path`, the line and the column. Also the fuzz target metrics_csv.
using MetricsColumns = std::map<std::string, std::vector<double>>;
MetricsColumns metrics_from_csv(const std::string& text, const std::string& path);

void write_curves(const std::string& run_dir);   // RUN_DIR/loss.png and accuracy.png from metrics.csv
int plot(const std::string& run_dir, const std::string& checkpoint);         // curves + embedding.png
int retrieve(const std::string& run_dir, int64_t queries, int64_t neighbors, const std::string& checkpoint);
int augment_grid(const RunConfig& c, int64_t images, int64_t views, const std::string& out_png);

}  // namespace ct::app
