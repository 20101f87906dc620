// Word-level views (data/text_views.h): what each keeps and removes, at least one word always,
// and the same generator state giving the same view.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/check.h"
#include "data/text_views.h"

using namespace ct;
using Ids = std::vector<int64_t>;

TEST_CASE("text_view: dropout and one-word sentences are unchanged") {
    Generator g(1);
    const Ids s{5, 6, 7, 8};
    CHECK(text_view(s, TextView::Dropout, 0.5f, g) == s);
    for (TextView k : {TextView::Delete, TextView::Swap, TextView::Cutoff}) CHECK(text_view({9}, k, 0.9f, g) == Ids{9});
}

TEST_CASE("text_view: delete keeps an ordered subsequence, never nothing") {
    Generator g(2);
    const Ids s{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    int64_t kept = 0;
    for (int i = 0; i < 200; ++i) {
        const Ids v = text_view(s, TextView::Delete, 0.3f, g);
        REQUIRE(!v.empty());
        CHECK(std::is_sorted(v.begin(), v.end()));   // order kept
        kept += int64_t(v.size());
    }
    // each word survives with probability 0.7: 7 of 10 on average (200 draws: within +-0.5)
    CHECK(double(kept) / 200 == doctest::Approx(7.0).epsilon(0.08));
    CHECK(text_view(s, TextView::Delete, 0.f, g) == s);
    Ids high = text_view({3, 4}, TextView::Delete, 0.99f, g);
    CHECK(high.size() >= 1);
}

TEST_CASE("text_view: swap permutes the words; cutoff removes one span of ceil(rate n)") {
    Generator g(3);
    const Ids s{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    Ids v = text_view(s, TextView::Swap, 0.2f, g);
    CHECK(v.size() == s.size());
    std::sort(v.begin(), v.end());
    CHECK(v == s);
    for (int i = 0; i < 50; ++i) {
        const Ids c = text_view(s, TextView::Cutoff, 0.25f, g);   // ceil(2.5) = 3 words gone
        REQUIRE(c.size() == 7);
        // the removed words are consecutive: the kept ones jump exactly once (or never, at an end)
        int jumps = 0;
        for (size_t j = 1; j < c.size(); ++j) jumps += c[j] != c[j - 1] + 1;
        CHECK(jumps <= 1);
    }
    CHECK(text_view({1, 2}, TextView::Cutoff, 0.9f, g).size() == 1);   // never the whole sentence
}

TEST_CASE("text_view: reproducible, and bad names or rates are named") {
    Generator a(7), b(7);
    const Ids s{1, 2, 3, 4, 5, 6};
    CHECK(text_view(s, TextView::Delete, 0.4f, a) == text_view(s, TextView::Delete, 0.4f, b));
    CHECK(text_view_from_name("cutoff") == TextView::Cutoff);
    CHECK_THROWS_WITH_AS(text_view_from_name("shuffle"), doctest::Contains("--text-views shuffle is not one of: dropout|delete|swap|cutoff"),
                         ValueError);
    CHECK_THROWS_WITH_AS(text_view(s, TextView::Delete, 1.f, a), doctest::Contains("rate must be in [0, 1), got 1"), ValueError);
}
