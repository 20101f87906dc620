// The text methods through the `contrast` command line, on a tiny STS-B made here: simcse (with
// and without word-level views) and sts-regression train and write their run directory with
// vocab.txt; --init starts from a SimCSE run; eval prints and writes Spearman / Pearson on dev and
// test; retrieve prints the nearest training sentences; wrong combinations of flags are named. The
// binary is build/contrast, beside this one.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "apps/contrast/text_method.h"
#include "core/random.h"
#include "tests/tiny_stsb.h"

namespace fs = std::filesystem;

namespace {

struct Result {
    int exit_code;
    std::string output;
};
Result run(const std::string& args) {
    const std::string exe = (fs::read_symlink("/proc/self/exe").parent_path() / "contrast").string();
    FILE* pipe = popen(("{ " + exe + " " + args + "; } 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("cli text: simcse and sts-regression train, --init chains them, eval scores dev and test") {
    TinyStsb data;
    const std::string simcse = (data.root / "simcse").string(), reg = (data.root / "reg").string();
    const Result s = run("train --method simcse " + data.args() + " --out " + simcse);
    INFO(s.output);
    REQUIRE(s.exit_code == 0);
    CHECK(s.output.find("InfoNCE over cosine / 0.05, in-batch negatives; views: dropout 0.1 + delete 0.3") != std::string::npos);
    CHECK(s.output.find("before training: dev Spearman x100") != std::string::npos);
    CHECK(s.output.find("epoch 1/1") != std::string::npos);
    for (const char* file : {"config.json", "metrics.csv", "vocab.txt", "last.safetensors", "best.safetensors"})
        CHECK_MESSAGE(fs::exists(fs::path(simcse) / file), file);
    CHECK(read_text(simcse + "/vocab.txt").rfind("<pad>\n<unk>\n", 0) == 0);

    const Result views = run("train --method simcse --text-views cutoff --view-rate 0.3 " + data.args() + " --out " +
                             (data.root / "cutoff").string());
    INFO(views.output);
    CHECK(views.exit_code == 0);
    CHECK(views.output.find("+ cutoff 0.3") != std::string::npos);

    const Result r = run("train --method sts-regression --init " + simcse + " " + data.args() + " --out " + reg);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("(from " + simcse + ")") != std::string::npos);
    CHECK(read_text(reg + "/vocab.txt") == read_text(simcse + "/vocab.txt"));   // the SimCSE run's ids

    const Result e = run("eval " + reg);
    INFO(e.output);
    REQUIRE(e.exit_code == 0);
    CHECK(e.output.find("Spearman x100") != std::string::npos);
    const std::string json = read_text(reg + "/eval.json");
    for (const char* key : {"\"dev\"", "\"test\"", "\"spearman_x100\"", "\"pearson_x100\"", "\"alignment\"", "\"uniformity\""})
        CHECK_MESSAGE(json.find(key) != std::string::npos, key);
    const Result p = run("embed " + reg);
    CHECK(p.exit_code == 1);
    CHECK(p.output.find("is a text run (--method sts-regression): of the commands, only eval and retrieve read it so far") !=
          std::string::npos);
}

TEST_CASE("cli text: retrieve prints the nearest training sentences; a training sentence finds itself at cosine 1") {
    TinyStsb data;
    // the first test sentence is the first training sentence: its own nearest neighbour at cosine
    // 1.000, whatever the (untrained-ish) encoder; ties with a same-token sentence go to the lower
    // index, and it is training sentence 0
    std::ifstream train(data.root / "stsb" / "train.tsv");
    std::string header, line;
    std::getline(train, header);
    std::getline(train, line);
    const size_t tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
    const std::string first = line.substr(tab1 + 1, tab2 - tab1 - 1);
    const std::string test = read_text((data.root / "stsb" / "test.tsv").string());
    std::ofstream(data.root / "stsb" / "test.tsv") << header << "\n3\t" << first << "\tthe cat runs.\n"
                                                   << test.substr(header.size() + 1);
    const std::string out = (data.root / "simcse").string();
    REQUIRE(run("train --method simcse " + data.args() + " --out " + out).exit_code == 0);
    const Result r = run("retrieve " + out + " --query 3 --neighbors 2");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("the 2 nearest of ") != std::string::npos);
    CHECK(r.output.find("first 3 distinct test sentences") != std::string::npos);
    CHECK(r.output.find("  \"" + first + "\"\n       1.000  " + first + "\n") != std::string::npos);
    CHECK(r.output.find("  \"the cat runs.\"\n") != std::string::npos);   // the second query
    // 3 queries x 2 neighbours, each neighbour line a cosine in [-1, 1] and a sentence
    int lines = 0;
    std::istringstream in(r.output);
    while (std::getline(in, line))
        if (line.rfind("      ", 0) == 0) {
            ++lines;
            const double cosine = std::stod(line);
            CHECK(cosine >= -1.0005);
            CHECK(cosine <= 1.0005);
        }
    CHECK(lines == 6);
}

TEST_CASE("cli text: wrong combinations are named") {
    TinyStsb data;
    const std::string out = (data.root / "bad").string();
    auto error_of = [&](const std::string& args) {
        const Result r = run(args);
        CHECK(r.exit_code != 0);
        return r.output;
    };
    CHECK(error_of("train --method simcse --data mnist " + data.args() + " --out " + out)
              .find("--data mnist: --method simcse trains on sentence pairs: use --data stsb") != std::string::npos);
    CHECK(error_of("train --method simcse --embedding-dim 18 --data-dir " + data.root.string() + " --out " + out)
              .find("must be a multiple of its 4 heads") != std::string::npos);
    CHECK(error_of("train --method simcse --text-views shuffle " + data.args() + " --out " + out)
              .find("dropout|delete|swap|cutoff") != std::string::npos);
    CHECK(error_of("train --method triplet --data stsb --data-dir " + data.root.string() + " --out " + out)
              .find("holds sentence pairs, not images") != std::string::npos);
    CHECK(error_of("train --method sts-regression --init " + (data.root / "none").string() + " " + data.args() + " --out " + out)
              .find("config.json: cannot open") != std::string::npos);
    REQUIRE(run("train --method simcse " + data.args() + " --out " + out).exit_code == 0);
    CHECK(error_of("train --method sts-regression --init " + out + " --data-dir " + data.root.string() +
                   " --embedding-dim 32 --max-tokens 8 --out " + out + "2")
              .find("its encoder has --embedding-dim 16") != std::string::npos);
    CHECK(error_of("train --method simcse " + data.args() + " --out " + out).find("already holds a run") != std::string::npos);
}

// Every metrics.csv row without its timings (seconds, tokens/s): epoch, loss, dev Spearman, lr.
std::vector<std::string> rows_without_timings(const std::string& csv) {
    std::stringstream in(read_text(csv));
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);) rows.push_back(line.substr(0, line.rfind(',', line.rfind(',') - 1)));
    return rows;
}

TEST_CASE("cli text: a run stopped mid-epoch and resumed logs what the uninterrupted run logs") {
    // SimCSE with its dropout and word deletions: the masks come from (seed, step), the views from
    // (seed, epoch, item), so the resumed half draws what the whole run drew at the same steps.
    TinyStsb data("contrast_cli_text_resume");
    std::string args = "train --method simcse " + data.args();
    args.replace(args.find("--epochs 1"), 10, "--epochs 2");
    const std::string whole = (data.root / "whole").string(), parts = (data.root / "parts").string();
    const Result w = run(args + " --out " + whole);
    INFO(w.output);
    REQUIRE(w.exit_code == 0);
    const Result stopped = run(args + " --out " + parts + " --stop-after-steps 3");
    INFO(stopped.output);
    REQUIRE(stopped.exit_code == 0);
    CHECK(stopped.output.find("continue with: contrast train --resume --out " + parts) != std::string::npos);
    CHECK(rows_without_timings(parts + "/metrics.csv").size() == 1);   // the header: no epoch finished
    const Result resumed = run("train --resume --out " + parts);
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.output.find("resumed from " + parts + "/last.safetensors at epoch 1, step 3") != std::string::npos);
    const std::vector<std::string> a = rows_without_timings(whole + "/metrics.csv");
    REQUIRE(a.size() == 3);
    CHECK(a == rows_without_timings(parts + "/metrics.csv"));   // losses and dev Spearman, to the 6 digits printed
    // --epochs extends the finished run by one epoch
    const Result longer = run("train --resume --epochs 3 --out " + parts);
    INFO(longer.output);
    REQUIRE(longer.exit_code == 0);
    CHECK(rows_without_timings(parts + "/metrics.csv").size() == 4);
}

TEST_CASE("cli text: the bag-of-words reference that eval prints, by hand") {
    using ct::SentencePair;
    // cosines of count vectors: "a b"/"A b." 1; "a b"/"a c" 1/2; "a a b"/"a" 2/sqrt(5) = 0.894; "x"/"y" 0
    // gold 5, 2, 4, 0: the cosines rank 4, 2, 3, 1 and the scores 4, 2, 3, 1: rho = 100
    CHECK(ct::app::bag_of_words_spearman({{5, "a b", "A b."}, {2, "a b", "a c"}, {4, "a a b", "a"}, {0, "x", "y"}}) ==
          doctest::Approx(100.0));
    // gold 5, 4, 2, 0 instead: score ranks 4, 3, 2, 1 against cosine ranks 4, 2, 3, 1:
    // rank differences 0, 1, 1, 0 and no ties: rho = 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 12 / 60 = 0.8
    CHECK(ct::app::bag_of_words_spearman({{5, "a b", "A b."}, {4, "a b", "a c"}, {2, "a a b", "a"}, {0, "x", "y"}}) ==
          doctest::Approx(80.0));
}
