// Every file in tests/fuzz_regressions/<target>/ (inputs that once crashed a reader, or hostile
// inputs worth keeping) replayed through its fuzz target (fuzz/targets.h): the reader must refuse
// it with a ct::Error or accept it, never crash or throw anything else. A new finding is kept by
// copying libFuzzer's crash-<sha1> file into the target's folder.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "apps/contrast/config.h"
#include "core/check.h"
#include "fuzz/targets.h"

namespace fs = std::filesystem;

namespace {

// The test runs from the repository root (make test does); __FILE__ is tests/<this file> there.
fs::path regressions_dir() {
    const std::string file = __FILE__;
    return fs::path(file.substr(0, file.rfind("tests/"))) / "tests" / "fuzz_regressions";
}

std::vector<uint8_t> read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("fuzz regressions: every stored input gets a clean error or a result from its reader") {
    const fs::path root = regressions_dir();
    REQUIRE_MESSAGE(fs::is_directory(root), "cannot open " << root.string() << ": run the tests from the repository root");
    int replayed = 0;
    for (const ct::fuzz::Target& t : ct::fuzz::targets()) {
        const fs::path dir = root / t.name;
        if (!fs::is_directory(dir)) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            INFO(t.name << ": " << f.string());
            const std::vector<uint8_t> bytes = read_all(f);
            CHECK_NOTHROW(t.run(bytes.data(), bytes.size()));   // the targets swallow ct::Error only
            ++replayed;
        }
    }
    CHECK(replayed > 0);
}

TEST_CASE("fuzz regressions: the Makefile builds a harness for every target, and every folder names one") {
    std::set<std::string> names;
    for (const ct::fuzz::Target& t : ct::fuzz::targets()) names.insert(t.name);
    std::ifstream makefile(regressions_dir() / ".." / ".." / "Makefile");
    REQUIRE(makefile.good());
    std::set<std::string> built;
    for (std::string line; std::getline(makefile, line);) {
        if (line.rfind("FUZZ_TARGETS ", 0) != 0) continue;
        std::istringstream words(line.substr(line.find('=') + 1));
        for (std::string w; words >> w;) built.insert(w);
    }
    CHECK(built == names);
    for (const auto& e : fs::directory_iterator(regressions_dir())) {
        INFO("tests/fuzz_regressions/" << e.path().filename().string() << " is not a target of fuzz/targets.cpp");
        CHECK(names.count(e.path().filename().string()) == 1);
    }
}

TEST_CASE("fuzz regressions: a target swallows its reader's ct::Error; an unknown target is refused") {
    const ct::fuzz::Target& config = ct::fuzz::target("config");
    const std::string broken = "{\"method\": ";
    CHECK_NOTHROW(config.run(reinterpret_cast<const uint8_t*>(broken.data()), broken.size()));
    CHECK_THROWS_AS(ct::fuzz::target("no-such-target"), ct::ValueError);
}

TEST_CASE("fuzz regressions: config.json integer fields refuse a float (1e300 was undefined behaviour)") {
    // Found by the config harness: nlohmann's float -> int64 cast of 1e300 is undefined (UBSan's
    // float-cast-overflow); the file is refused naming the field instead (config.cpp's field table
    // checks a value's JSON type and bounds before converting it).
    nlohmann::json j = ct::app::to_json(ct::app::defaults_for("siamese", "mnist"));
    j["width"] = 1e300;
    CHECK_THROWS_WITH_AS(ct::app::config_from_json(j.dump(), "run/config.json"),
                         doctest::Contains("run/config.json: field \"width\" must be an integer"), ct::IoError);
    j["width"] = 16;
    j["seed"] = -1.5e30;
    CHECK_THROWS_WITH_AS(ct::app::config_from_json(j.dump(), "run/config.json"),
                         doctest::Contains("field \"seed\" must be an integer"), ct::IoError);
    j["seed"] = 3;
    CHECK(ct::app::config_from_json(j.dump(), "run/config.json").width == 16);   // whole numbers still load
}
