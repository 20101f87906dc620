// STS-B reader (data/stsb.h) on files generated here: a good file read back field by field, and
// every malformed line named by file, line number and what is wrong. The real files are never read.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/check.h"
#include "data/stsb.h"

using namespace ct;

namespace {
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/contrast_test_stsb_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        const std::string p = path + "/" + name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
};
const std::string kHead = "score\tsentence1\tsentence2\n";
}  // namespace

TEST_CASE("stsb: a well-formed file, read back as written") {
    TempDir d;
    const std::string p = d.write("train.tsv", kHead + "5.000\tA plane is taking off.\tAn air plane is taking off.\n"
                                                       "0\t A dog \"barks\". \tCats sleep\n"
                                                       "3.33333333333333\tx\ty");   // no final newline
    const auto pairs = read_stsb_file(p);
    REQUIRE(pairs.size() == 3);
    CHECK(pairs[0].score == 5.f);
    CHECK(pairs[0].a == "A plane is taking off.");
    CHECK(pairs[0].b == "An air plane is taking off.");
    CHECK(pairs[1].score == 0.f);
    CHECK(pairs[1].a == " A dog \"barks\". ");   // spaces and quotes kept: no CSV quoting
    CHECK(pairs[2].score == doctest::Approx(3.3333333));
    // both sides, first appearance order, duplicates once
    const std::vector<SentencePair> twice{pairs[0], pairs[0], {1.f, "x", "A plane is taking off."}};
    CHECK(unique_sentences(twice) == std::vector<std::string>{"A plane is taking off.", "An air plane is taking off.", "x"});
}

TEST_CASE("stsb: a malformed line names the file, the line and the fault") {
    TempDir d;
    struct Case { const char* name; std::string text; const char* error; };
    const Case cases[] = {
        {"no header", "5\ta\tb\n", ":1: expected the header 'score<TAB>sentence1<TAB>sentence2', got '5\ta\tb'"},
        {"two fields", kHead + "5\ta\tb\n4\tonly one\n", ":3: expected 3 tab-separated fields (score, sentence1, sentence2), got 2"},
        {"four fields", kHead + "4\ta\tb\tc\n", ":2: expected 3 tab-separated fields (score, sentence1, sentence2), got 4"},
        {"score not a number", kHead + "4.2x\ta\tb\n", ":2: score '4.2x' is not a number in [0, 5]"},
        {"empty score", kHead + "\ta\tb\n", ":2: score '' is not a number in [0, 5]"},
        {"score above 5", kHead + "5.01\ta\tb\n", ":2: score '5.01' is not a number in [0, 5]"},
        {"negative score", kHead + "-1\ta\tb\n", ":2: score '-1' is not a number in [0, 5]"},
        {"nan score", kHead + "nan\ta\tb\n", ":2: score 'nan' is not a number in [0, 5]"},
        {"empty sentence", kHead + "1\ta\t\n", ":2: sentence2 is empty"},
        {"empty line", kHead + "1\ta\tb\n\n2\tc\td\n", ":3: empty line"},
        {"CRLF", kHead + "1\ta\tb\r\n", ":2: line ends in CR (a CRLF file)"},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const std::string p = d.write("bad.tsv", c.text);
        const std::string want = p + c.error;
        CHECK_THROWS_WITH_AS(read_stsb_file(p), doctest::Contains(want.c_str()), IoError);
    }
    const std::string header_only = d.write("empty.tsv", kHead);
    const std::string no_pairs = header_only + ": no sentence pairs", missing = "stsb: cannot open " + d.path + "/missing.tsv";
    CHECK_THROWS_WITH_AS(read_stsb_file(header_only), doctest::Contains(no_pairs.c_str()), IoError);
    CHECK_THROWS_WITH_AS(read_stsb_file(d.path + "/missing.tsv"), doctest::Contains(missing.c_str()), IoError);
}

TEST_CASE("stsb: load_stsb reads the three splits of a folder") {
    TempDir d;
    d.write("train.tsv", kHead + "1\ta\tb\n2\tc\td\n");
    d.write("dev.tsv", kHead + "3\te\tf\n");
    d.write("test.tsv", kHead + "4\tg\th\n");
    const StsbData s = load_stsb(d.path);
    CHECK(s.train.size() == 2);
    CHECK(s.dev[0].a == "e");
    CHECK(s.test[0].score == 4.f);
    std::filesystem::remove(d.path + "/dev.tsv");
    const std::string dev = d.path + "/dev.tsv";
    CHECK_THROWS_WITH_AS(load_stsb(d.path), doctest::Contains(dev.c_str()), IoError);
}
