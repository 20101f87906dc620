// apps/contrast/compare.cpp: several runs' eval.json read into one table (values, names, Markdown),
// the chart written, and errors naming the file, the key or the flag; --curve reads metrics.csv.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "apps/contrast/compare.h"
#include "core/check.h"

namespace fs = std::filesystem;
using namespace ct::app;

namespace {
struct Runs {
    fs::path root = fs::temp_directory_path() / ("contrast_compare_" + std::to_string(getpid()));
    Runs() {
        fs::remove_all(root);
        write("triplet", R"({"precision_at_1": 0.98, "map_at_r": 0.91, "nmi": 0.9})");
        write("proxy", R"({"precision_at_1": 0.985, "map_at_r": 0.93, "nmi": 0.92, "linear_probe_accuracy": 0.5})");
        write("broken", R"({"precision_at_1": "high"})");
    }
    ~Runs() { fs::remove_all(root); }
    void write(const std::string& run, const std::string& json) {
        fs::create_directories(root / run);
        std::ofstream(root / run / "eval.json") << json;
    }
    std::string dir(const std::string& run) const { return (root / run).string(); }
};
}  // namespace

TEST_CASE("cli compare: runs side by side") {
    Runs r;
    const Comparison c = compare_runs({r.dir("triplet"), r.dir("proxy")}, {"precision_at_1", "map_at_r"}, {});
    CHECK(c.runs == std::vector<std::string>{"triplet", "proxy"});
    REQUIRE(c.values.size() == 2);
    CHECK(c.values[0] == std::vector<double>{0.98, 0.91});
    CHECK(c.values[1] == std::vector<double>{0.985, 0.93});
    CHECK(c.markdown() == "| run | P@1 | MAP@R |\n|---|---|---|\n| triplet | 0.9800 | 0.9100 |\n| proxy | 0.9850 | 0.9300 |\n");
    const Comparison named = compare_runs({r.dir("triplet"), r.dir("proxy")}, {"nmi"}, {"a", "b"});
    CHECK(named.runs == std::vector<std::string>{"a", "b"});
    CHECK(named.values[1][0] == 0.92);
    const std::string png = (r.root / "chart.png").string();
    CHECK(compare({r.dir("triplet"), r.dir("proxy")}, {"precision_at_1", "map_at_r"}, {}, "MNIST", png) == 0);
    CHECK(fs::file_size(png) > 1000);
}

TEST_CASE("cli compare: errors name the file, the key or the flag") {
    Runs r;
    CHECK_THROWS_WITH_AS(compare_runs({r.dir("none")}, {"map_at_r"}, {}),
                         doctest::Contains("none/eval.json: cannot open: run `contrast eval"), ct::IoError);
    CHECK_THROWS_WITH_AS(compare_runs({r.dir("broken")}, {"precision_at_1"}, {}),
                         doctest::Contains("broken/eval.json: no number \"precision_at_1\""), ct::IoError);
    CHECK_THROWS_WITH_AS(compare_runs({r.dir("triplet")}, {"linear_probe_accuracy"}, {}),
                         doctest::Contains("runs without a head have no linear probe"), ct::IoError);
    CHECK_THROWS_WITH_AS(compare_runs({r.dir("triplet")}, {"accuracy"}, {}),
                         doctest::Contains("--metrics: 'accuracy' is not one of: precision_at_1|"), ct::ValueError);
    CHECK_THROWS_WITH_AS(compare_runs({r.dir("triplet"), r.dir("proxy")}, {"nmi"}, {"a"}),
                         doctest::Contains("--names: 1 names for 2 runs"), ct::ValueError);
}

TEST_CASE("cli compare --curve: a metrics.csv column of each run, per epoch") {
    Runs r;
    const std::string header = "epoch,loss,online_p_at_1,lr,seconds,data_wait_share,images_per_second\n";
    std::ofstream(r.root / "triplet" / "metrics.csv") << header << "1,0.5,0.9,0.1,2,0,100\n2,0.25,0.95,0.1,2,0,120\n";
    std::ofstream(r.root / "proxy" / "metrics.csv") << header << "1,0.75,0.8,0.1,2,0,90\n";
    const Curves c = curves_of_runs({r.dir("triplet"), r.dir("proxy")}, "loss", {"a", "b"});
    CHECK(c.runs == std::vector<std::string>{"a", "b"});
    CHECK(c.epochs == std::vector<std::vector<double>>{{1, 2}, {1}});
    CHECK(c.values == std::vector<std::vector<double>>{{0.5, 0.25}, {0.75}});
    const std::string png = (r.root / "curves.png").string();
    CHECK(compare_curves({r.dir("triplet"), r.dir("proxy")}, "images_per_second", {}, "", png) == 0);
    CHECK(std::filesystem::file_size(png) > 1000);
    CHECK_THROWS_WITH_AS(curves_of_runs({r.dir("triplet")}, "accuracy", {}),
                         doctest::Contains("triplet/metrics.csv: --curve accuracy: no such column (it has: data_wait_share, epoch"),
                         ct::IoError);
    CHECK_THROWS_WITH_AS(curves_of_runs({r.dir("broken")}, "loss", {}),
                         doctest::Contains("broken/metrics.csv: cannot open"), ct::IoError);
}
