// Tokenizer, vocabulary and padding (data/tokenizer.h) on hand-made sentences: tokens and ids
// worked out by hand, min_freq, the saved file read back, and the errors of a damaged file.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "data/tokenizer.h"

using namespace ct;
using Words = std::vector<std::string>;

TEST_CASE("tokenize: lower-cased runs of [a-z0-9], everything else separates") {
    CHECK(tokenize("A man's 2 DOGS!") == Words{"a", "man", "s", "2", "dogs"});
    CHECK(tokenize("  leading and trailing  ") == Words{"leading", "and", "trailing"});
    CHECK(tokenize("e-mail,x2y") == Words{"e", "mail", "x2y"});
    CHECK(tokenize("caf\xc3\xa9 ok") == Words{"caf", "ok"});   // UTF-8 bytes of 'e acute' separate
    CHECK(tokenize("...!?").empty());
    CHECK(tokenize("").empty());
}

TEST_CASE("Vocabulary: ids by frequency, ties in byte order, rare words <unk>") {
    // counts: the 3, cat 2, sat 2, a 1, mat 1, on 1
    const Vocabulary v = Vocabulary::build({"The cat sat.", "the cat sat on the mat", "a"}, 1);
    CHECK(v.size() == 2 + 6);
    CHECK(v.word(0) == "<pad>");
    CHECK(v.word(1) == "<unk>");
    CHECK(v.word(2) == "the");
    CHECK(v.word(3) == "cat");   // cat and sat tie at 2: byte order
    CHECK(v.word(4) == "sat");
    CHECK(v.word(5) == "a");
    CHECK(v.word(7) == "on");
    CHECK(v.encode("The mat, the DOG", 10) == std::vector<int64_t>{2, 6, 2, 1});   // dog unseen: <unk>
    CHECK(v.encode("the cat sat on", 2) == std::vector<int64_t>{2, 3});            // truncated
    CHECK(v.encode("?!", 5) == std::vector<int64_t>{Vocabulary::kUnk});            // no token: one <unk>

    const Vocabulary v2 = Vocabulary::build({"The cat sat.", "the cat sat on the mat", "a"}, 2);
    CHECK(v2.size() == 2 + 3);                                    // the, cat, sat
    CHECK(v2.encode("a cat", 5) == std::vector<int64_t>{1, 3});   // 'a' seen once: <unk>
    CHECK_THROWS_WITH_AS(Vocabulary::build({"x"}, 0), doctest::Contains("min_freq must be >= 1, got 0"), ValueError);
}

TEST_CASE("Vocabulary: saved and loaded, the same ids; a damaged file is named") {
    char tmpl[] = "/tmp/contrast_test_vocab_XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    const Vocabulary v = Vocabulary::build({"b a b c"}, 1);
    v.save(dir + "/vocab.txt");
    const Vocabulary w = Vocabulary::load(dir + "/vocab.txt");
    REQUIRE(w.size() == v.size());
    for (int64_t i = 0; i < v.size(); ++i) CHECK(w.word(i) == v.word(i));
    CHECK(w.id("b") == 2);

    auto bad = [&](const std::string& text) {
        std::ofstream(dir + "/bad.txt", std::ios::binary) << text;
        return dir + "/bad.txt";
    };
    const std::string p = bad("<pad>\n<unk>\nfoo\nBar\n");
    const std::string bar = p + ":4: 'Bar' is not a token";
    CHECK_THROWS_WITH_AS(Vocabulary::load(p), doctest::Contains(bar.c_str()), IoError);
    CHECK_THROWS_WITH_AS(Vocabulary::load(bad("<unk>\n")), doctest::Contains(":1: expected '<pad>', got '<unk>'"), IoError);
    CHECK_THROWS_WITH_AS(Vocabulary::load(bad("<pad>\n<unk>\nx\nx\n")), doctest::Contains(":4: 'x' is listed twice"), IoError);
    CHECK_THROWS_WITH_AS(Vocabulary::load(bad("<pad>\n")), doctest::Contains("must start with <pad> and <unk>"), IoError);
    const std::string none = dir + "/none.txt: cannot open";
    CHECK_THROWS_WITH_AS(Vocabulary::load(dir + "/none.txt"), doctest::Contains(none.c_str()), IoError);
    std::filesystem::remove_all(dir);
}

TEST_CASE("pad_batch: padded to the longest, the mask marks the padding") {
    const TokenBatch b = pad_batch({{5, 6, 7}, {8}});
    CHECK(b.rows == 2);
    CHECK(b.length == 3);
    CHECK(b.ids == std::vector<int64_t>{5, 6, 7, 8, 0, 0});
    CHECK(b.padding_mask.to_vector() == std::vector<float>{0, 0, 0, 0, 1, 1});
    CHECK_THROWS_WITH_AS(pad_batch({{1}, {}}), doctest::Contains("pad_batch: an empty sequence"), ValueError);
}
