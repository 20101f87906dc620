// The pictures of a run: loss and accuracy curves, the embedding scatter (2-D directly, else
// PCA), retrieval grids, and grids of augmented views. All PNG, written next to the run's files.
#pragma once
#include <string>

#include "apps/contrast/config.h"

namespace ct::app {

void write_curves(const std::string& run_dir);                    // RUN_DIR/curves.png from metrics.csv
int plot(const std::string& run_dir, const std::string& checkpoint);         // curves + embedding.png
int retrieve(const std::string& run_dir, int64_t queries, int64_t neighbors, const std::string& checkpoint);
int augment_grid(const RunConfig& c, int64_t images, int64_t views, const std::string& out_png);

}  // namespace ct::app
