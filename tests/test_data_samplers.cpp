// Samplers (data/samplers.h): the guarantees each one makes, checked over whole epochs.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "data/samplers.h"

namespace {

// 10 classes with 3..12 samples each (class c has 3 + c), interleaved.
std::vector<int64_t> uneven_labels() {
    std::vector<int64_t> labels;
    for (int round = 0; round < 12; ++round)
        for (int c = 0; c < 10; ++c)
            if (round < 3 + c) labels.push_back(c);
    return labels;
}

}  // namespace

TEST_CASE("samplers: shuffled batches show every index once per epoch") {
    const ct::BatchSampler s(103, 10, true, false, 42);
    const auto epoch0 = s.batches(0);
    CHECK(epoch0.size() == 11);
    CHECK(epoch0.back().size() == 3);   // 103 = 10 * 10 + 3
    std::vector<int64_t> all;
    for (const auto& b : epoch0) all.insert(all.end(), b.begin(), b.end());
    std::vector<int64_t> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < 103; ++i) REQUIRE(sorted[size_t(i)] == i);
    CHECK(s.batches(0) == epoch0);              // same (seed, epoch): same order
    CHECK(s.batches(1) != epoch0);              // a new epoch reshuffles
    CHECK(ct::BatchSampler(103, 10, true, false, 43).batches(0) != epoch0);
    SUBCASE("drop_last and no shuffle") {
        const auto b = ct::BatchSampler(103, 10, false, true).batches(0);
        CHECK(b.size() == 10);
        CHECK(b[3] == std::vector<int64_t>{30, 31, 32, 33, 34, 35, 36, 37, 38, 39});
    }
    CHECK_THROWS_WITH_AS(ct::BatchSampler(5, 10, true, true), doctest::Contains("batch size 10 exceeds the dataset size 5"),
                         ct::ValueError);
}

TEST_CASE("samplers: P x K batches hold P distinct classes with K samples each") {
    const std::vector<int64_t> labels = uneven_labels();
    const ct::PKSampler s(labels, 4, 5, 30, 7);
    const auto batches = s.batches(0);
    CHECK(batches.size() == 30);
    for (const auto& b : batches) {
        REQUIRE(b.size() == 20);
        std::set<int64_t> classes;
        for (int64_t p = 0; p < 4; ++p) {
            const int64_t c = labels[size_t(b[size_t(p * 5)])];
            classes.insert(c);
            std::set<int64_t> distinct;
            for (int64_t k = 0; k < 5; ++k) {
                REQUIRE(labels[size_t(b[size_t(p * 5 + k)])] == c);   // a block of K from one class
                distinct.insert(b[size_t(p * 5 + k)]);
            }
            // classes with >= K samples give K distinct ones; smaller ones (c < 2) repeat
            if (3 + c >= 5) CHECK(distinct.size() == 5);
        }
        CHECK(classes.size() == 4);
    }
    CHECK(ct::PKSampler(labels, 4, 5, 0).batches(0).size() == labels.size() / 20);
    CHECK_THROWS_WITH_AS(ct::PKSampler(labels, 11, 2), doctest::Contains("P = 11 classes per batch but the labels hold only 10"),
                         ct::ValueError);
}

TEST_CASE("samplers: pairs are half similar, half dissimilar") {
    const std::vector<int64_t> labels = uneven_labels();
    const ct::PairSampler s(labels, 64, 10, 3);
    int64_t similar = 0, total = 0;
    for (const auto& b : s.batches(2)) {
        REQUIRE(b.size() == 128);
        std::vector<int64_t> l;
        for (int64_t i : b) l.push_back(labels[size_t(i)]);
        const std::vector<float> y = ct::pair_targets(l);
        for (size_t j = 0; j < 64; ++j) {
            CHECK(y[j] == (j % 2 == 0 ? 1.f : 0.f));
            if (y[j] == 1.f) CHECK(b[j] != b[j + 64]);   // never a sample paired with itself
            similar += int64_t(y[j]);
            total++;
        }
    }
    CHECK(similar * 2 == total);
    CHECK_THROWS_WITH_AS(ct::PairSampler({0, 0, 0}, 4), doctest::Contains("needs two classes"), ct::ValueError);
}

TEST_CASE("samplers: triplets") {
    const std::vector<int64_t> labels = uneven_labels();
    const ct::TripletSampler s(labels, 32, 5, 1);
    for (const auto& b : s.batches(0)) {
        REQUIRE(b.size() == 96);
        for (size_t j = 0; j < 32; ++j) {
            CHECK(labels[size_t(b[j])] == labels[size_t(b[32 + j])]);
            CHECK(b[j] != b[32 + j]);
            CHECK(labels[size_t(b[j])] != labels[size_t(b[64 + j])]);
        }
    }
}
