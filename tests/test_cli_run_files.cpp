// The files of a run directory that the CLI reads back besides config.json (tests/test_cli_config.cpp)
// and the checkpoint tensors (tests/test_nn_checkpoint.cpp): metrics.csv, read by `contrast plot`,
// and the progress a checkpoint's 'contrast.config' metadata keeps for `--resume`. Hand-written
// texts; a bad one is an IoError naming the file and what is wrong.
#include <doctest/doctest.h>

#include <string>

#include "apps/contrast/pictures.h"
#include "apps/contrast/train.h"
#include "core/check.h"

using namespace ct;

TEST_CASE("run files: metrics.csv reads as columns; a bad cell or row names its line and column") {
    const std::string header = "epoch,loss,online_p_at_1\n";
    const app::MetricsColumns cols = app::metrics_from_csv(header + "1,0.5,0.8\n2,0.25,0.9\n", "r/metrics.csv");
    CHECK(cols.at("epoch") == std::vector<double>{1, 2});
    CHECK(cols.at("loss") == std::vector<double>{0.5, 0.25});
    CHECK(cols.at("online_p_at_1") == std::vector<double>{0.8, 0.9});
    CHECK(app::metrics_from_csv(header, "r/metrics.csv").at("loss").empty());   // no epoch finished yet
    CHECK_THROWS_WITH_AS(app::metrics_from_csv(header + "1,abc,0.8\n", "r/metrics.csv"),
                         "r/metrics.csv: line 2, column 'loss': 'abc' is not a number", IoError);
    CHECK_THROWS_WITH_AS(app::metrics_from_csv(header + "1,,0.8\n", "r/metrics.csv"),
                         "r/metrics.csv: line 2, column 'loss': '' is not a number", IoError);
    CHECK_THROWS_WITH_AS(app::metrics_from_csv(header + "1,0.5,\n", "r/metrics.csv"),   // a cut-off row
                         "r/metrics.csv: line 2 has 2 of the header's 3 columns", IoError);
    CHECK_THROWS_WITH_AS(app::metrics_from_csv(header + "1,0.5,0.8\n2,0.25\n", "r/metrics.csv"),
                         "r/metrics.csv: line 3 has 2 of the header's 3 columns", IoError);
    CHECK_THROWS_WITH_AS(app::metrics_from_csv(header + "1,0.5,0.8,7\n", "r/metrics.csv"),
                         "r/metrics.csv: line 2 has more than the header's 3 columns", IoError);
    CHECK_THROWS_WITH_AS(app::metrics_from_csv("\x89PNG\r\n", "r/metrics.csv"),
                         doctest::Contains("r/metrics.csv: not a metrics.csv of `contrast train`"), IoError);
}

TEST_CASE("run files: the resume progress in a checkpoint's metadata is checked key by key") {
    const app::Progress p = app::progress_from_metadata(
        R"({"config": {}, "best": 0.75, "epoch_loss_sum": 3.5, "epoch_batches": 7})", "r/last.safetensors", 40);
    CHECK(p.best == 0.75);
    CHECK(p.epoch_loss_sum == 3.5);
    CHECK(p.epoch_batches == 7);
    CHECK_THROWS_WITH_AS(app::progress_from_metadata("", "r/last.safetensors", 40),
                         doctest::Contains("r/last.safetensors: checkpoint metadata has no 'contrast.config'"), IoError);
    CHECK_THROWS_WITH_AS(app::progress_from_metadata("{\"best\": ", "r/last.safetensors", 40),
                         doctest::Contains("'contrast.config' is not JSON"), IoError);
    CHECK_THROWS_WITH_AS(app::progress_from_metadata("[1, 2]", "r/last.safetensors", 40),
                         doctest::Contains("'contrast.config' is not a JSON object"), IoError);
    CHECK_THROWS_WITH_AS(app::progress_from_metadata(R"({"best": 0.5, "epoch_loss_sum": 1})", "r/last.safetensors", 40),
                         doctest::Contains("has no number \"epoch_batches\""), IoError);
    // 1e300 batches: once a float -> int64 cast (undefined), now out of the epoch's 40 steps
    CHECK_THROWS_WITH_AS(app::progress_from_metadata(R"({"best": 0.5, "epoch_loss_sum": 1, "epoch_batches": 1e300})",
                                                     "r/last.safetensors", 40),
                         doctest::Contains("\"epoch_batches\" = 1e+300 is out of range [0, 40]"), IoError);
}
