// losses/miners: a hand-made 2-D batch where every pair and triplet of each type is listed by hand,
// the multi-similarity rule on points of the unit circle, consistency on random batches, edge
// cases (single-sample class, all labels equal) and the O(N^2) memory of mining.
#include "losses/miners.h"

#include <set>
#include <tuple>

#include "core/memory.h"
#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
using Triplet = std::tuple<int64_t, int64_t, int64_t>;
std::set<Triplet> as_set(const TripletIndices& t) {
    std::set<Triplet> s;
    for (int64_t k = 0; k < t.size(); ++k)
        s.insert({t.anchors[size_t(k)], t.positives[size_t(k)], t.negatives[size_t(k)]});
    return s;
}
using Pairs = std::vector<std::pair<int64_t, int64_t>>;
Pairs zip(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    Pairs out;
    for (size_t k = 0; k < a.size(); ++k) out.push_back({a[k], b[k]});
    return out;
}

// The hand-made batch (raw Euclidean distances, worked by hand):
//   0 (0,0) label 0     d01 = 1     d02 = 2      d03 = 3      d04 = |(10,10)|  ~ 14.1
//   1 (1,0) label 0                 d12 = sqrt5  d13 = 2      d14 = |(9,10)|   ~ 13.5
//   2 (0,2) label 1                              d23 = sqrt13 d24 = |(10,8)|   ~ 12.8
//   3 (3,0) label 1                                           d34 = |(7,10)|   ~ 12.2
//   4 (10,10) label 2: a class with a single sample (never an anchor, only a negative)
// With margin 1.1, tm = d(a,n) - d(a,p):
//   (0,1,2) 2-1 = 1 semihard    (0,1,3) 3-1 = 2 easy        (0,1,4) easy
//   (1,0,2) sqrt5-1 = 1.24 easy (1,0,3) 2-1 = 1 semihard    (1,0,4) easy
//   (2,3,0) 2-sqrt13 hard       (2,3,1) sqrt5-sqrt13 hard   (2,3,4) 12.8-3.6 easy
//   (3,2,0) 3-sqrt13 hard       (3,2,1) 2-sqrt13 hard       (3,2,4) easy
// so 12 valid: easy 6, semihard 2, hard 4.
Tensor points() { return Tensor::from_vector({0, 0, 1, 0, 0, 2, 3, 0, 10, 10}, {5, 2}); }
const std::vector<int64_t> kLabels = {0, 0, 1, 1, 2};
const Distance kRaw = Distance::euclidean(false);
}  // namespace

TEST_CASE("losses miners: all pairs and all triplets of the hand-made batch") {
    const PairIndices p = all_pairs(kLabels);
    CHECK(zip(p.a1, p.p) == Pairs{{0, 1}, {1, 0}, {2, 3}, {3, 2}});
    CHECK(p.a2.size() == 16);   // 5*4 ordered pairs minus the 4 positive ones
    CHECK(all_triplets(kLabels).size() == 12);
}

TEST_CASE("losses miners: triplet types on the hand-made batch") {
    const std::set<Triplet> easy = {{0, 1, 3}, {0, 1, 4}, {1, 0, 2}, {1, 0, 4}, {2, 3, 4}, {3, 2, 4}};
    const std::set<Triplet> semihard = {{0, 1, 2}, {1, 0, 3}};
    const std::set<Triplet> hard = {{2, 3, 0}, {2, 3, 1}, {3, 2, 0}, {3, 2, 1}};
    std::set<Triplet> all = semihard;
    all.insert(hard.begin(), hard.end());
    for (const auto& [type_, expected_] : {std::pair<TripletType, std::set<Triplet>>{TripletType::Easy, easy},
                                  {TripletType::SemiHard, semihard},
                                  {TripletType::Hard, hard},
                                  {TripletType::All, all}}) {
        const auto& type = type_; const auto& expected = expected_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(triplet_type_name(type));
        const TripletMining m = triplet_margin_miner(points(), kLabels, 1.1f, type, kRaw);
        CHECK(as_set(m.triplets) == expected);
        CHECK(m.valid == 12);
        CHECK(m.easy == 6);
        CHECK(m.semihard == 2);
        CHECK(m.hard == 4);
    }
    CHECK(triplet_margin_miner(points(), kLabels, 1.1f, TripletType::SemiHard, kRaw).summary() ==
          "triplets 2 of 12 (easy 6, semihard 2, hard 4)");
}

TEST_CASE("losses miners: batch-hard picks the farthest positive and closest negative") {
    // Closest negatives: 0 -> 2 (2 < 3), 1 -> 3 (2 < sqrt5), 2 -> 0 (2 < sqrt5), 3 -> 1 (2 < 3);
    // anchor 4 has no positive and is dropped.
    const TripletMining m = batch_hard_miner(points(), kLabels, kRaw, 1.1f);
    CHECK(as_set(m.triplets) == std::set<Triplet>{{0, 1, 2}, {1, 0, 3}, {2, 3, 0}, {3, 2, 1}});
    CHECK(m.valid == 12);
    // Farthest positive among several: anchor 0 of class {0,1,2} at 0, 1 and 5 on a line.
    const Tensor line = Tensor::from_vector({0, 0, 1, 0, 5, 0, 3, 0}, {4, 2});
    const TripletMining l = batch_hard_miner(line, {0, 0, 0, 1}, kRaw);
    CHECK(l.triplets.positives[0] == 2);   // d(0,2) = 5 > d(0,1) = 1
    CHECK(l.triplets.size() == 3);         // anchor 3 (class 1 alone) dropped
}

TEST_CASE("losses miners: pair margin miner on the hand-made batch") {
    // positives farther than 1.5: (2,3), (3,2) (sqrt13); negatives closer than 2.1: d02 = d13 = 2.
    const PairMining m = pair_margin_miner(points(), kLabels, 1.5f, 2.1f, kRaw);
    CHECK(zip(m.pairs.a1, m.pairs.p) == Pairs{{2, 3}, {3, 2}});
    CHECK(zip(m.pairs.a2, m.pairs.n) == Pairs{{0, 2}, {1, 3}, {2, 0}, {3, 1}});
    CHECK(m.positive_pairs == 4);
    CHECK(m.negative_pairs == 16);
    CHECK(m.summary() == "positive pairs 2 of 4, negative pairs 4 of 16");
    // a similarity reverses the margins: positives below 0.9 cosine, negatives above 0.3
    const Tensor circle = Tensor::from_vector({1, 0, 0.8f, 0.6f, 0, 1, -1, 0}, {4, 2});
    // cos: s01 = 0.8, s02 = 0, s03 = -1, s12 = 0.6, s13 = -0.8, s23 = 0
    const PairMining c = pair_margin_miner(circle, {0, 0, 1, 1}, 0.9f, 0.3f, Distance::cosine());
    CHECK(zip(c.pairs.a1, c.pairs.p) == Pairs{{0, 1}, {1, 0}, {2, 3}, {3, 2}});
    CHECK(zip(c.pairs.a2, c.pairs.n) == Pairs{{1, 2}, {2, 1}});
}

TEST_CASE("losses miners: multi-similarity miner (epsilon 0.1) on the unit circle") {
    // Angles 0, 30 (label 0) and 60, 180 degrees (label 1). Cosines: s01 = s12 = 0.866, s02 = 0.5,
    // s03 = -1, s13 = -0.866, s23 = -0.5. Keep positive (i,p) if s_ip - 0.1 < max_n s_in, negative
    // (i,n) if s_in + 0.1 > min_p s_ip:
    //   i=0: max_n .5, min_p .866: pos .766 < .5 no; neg .6, -.9 > .866 no
    //   i=1: max_n .866: pos .766 yes (1,0); neg s12 .966 > .866 yes (1,2), s13 no
    //   i=2: max_n .866, min_p -.5: pos -.6 yes (2,3); neg .6 and .966 > -.5 yes (2,0), (2,1)
    //   i=3: max_n -.866, min_p -.5: pos -.6 < -.866 no; neg -.9, -.766 > -.5 no
    const float c30 = 0.8660254f;
    const Tensor pts = Tensor::from_vector({1, 0, c30, 0.5f, 0.5f, c30, -1, 0}, {4, 2});
    const PairMining m = multi_similarity_miner(pts, {0, 0, 1, 1}, 0.1f);
    CHECK(zip(m.pairs.a1, m.pairs.p) == Pairs{{1, 0}, {2, 3}});
    CHECK(zip(m.pairs.a2, m.pairs.n) == Pairs{{1, 2}, {2, 0}, {2, 1}});
    CHECK(m.positive_pairs == 4);
    CHECK(m.negative_pairs == 8);
}

TEST_CASE("losses miners: random batches agree with a double-precision classification") {
    const int64_t N = 24;
    const Tensor x = randn({N, 3}, 5);
    const std::vector<int64_t> labels = random_labels(N, 4, 6);
    const Mat X = unit_rows(rows_of(x));   // the default Distance normalises
    const float margin = 0.3f;
    std::set<Triplet> semihard;
    int64_t valid = 0;
    for (int64_t a = 0; a < N; ++a)
        for (int64_t p = 0; p < N; ++p)
            for (int64_t n = 0; n < N; ++n) {
                if (p == a || labels[size_t(p)] != labels[size_t(a)] || labels[size_t(n)] == labels[size_t(a)]) continue;
                ++valid;
                const double tm = dist(X[size_t(a)], X[size_t(n)]) - dist(X[size_t(a)], X[size_t(p)]);
                if (tm > 0 && tm <= margin) semihard.insert({a, p, n});
            }
    const TripletMining m = triplet_margin_miner(x, labels, margin, TripletType::SemiHard);
    CHECK(m.valid == valid);
    CHECK(m.easy + m.semihard + m.hard == m.valid);
    CHECK(as_set(m.triplets) == semihard);
}

TEST_CASE("losses miners: all labels equal, or all distinct: nothing to mine, no error") {
    const Tensor x = randn({6, 4}, 9);
    const TripletMining same = triplet_margin_miner(x, std::vector<int64_t>(6, 3), 0.2f, TripletType::All);
    CHECK(same.triplets.size() == 0);
    CHECK(same.valid == 0);
    CHECK(batch_hard_miner(x, std::vector<int64_t>(6, 3)).triplets.size() == 0);
    CHECK(multi_similarity_miner(x, std::vector<int64_t>(6, 3)).pairs.a2.empty());
    CHECK(batch_hard_miner(x, {0, 1, 2, 3, 4, 5}).triplets.size() == 0);
}

TEST_CASE("losses miners: mining a batch of 256 allocates O(N^2) tensors, not O(N^3)") {
    const int64_t N = 256;
    const Tensor x = randn({N, 64}, 10);
    std::vector<int64_t> labels(N);
    for (int64_t i = 0; i < N; ++i) labels[size_t(i)] = i % 8;   // 8 classes x 32, as W2
    reset_peak_memory();
    const int64_t before = memory_stats().live_bytes;
    const TripletMining m = triplet_margin_miner(x, labels, 0.2f, TripletType::SemiHard);
    batch_hard_miner(x, labels);
    const int64_t peak = memory_stats().peak_live_bytes - before;
    CHECK(m.valid == N * 31 * 224);
    // a few N x N float matrices (0.25 MiB each); one N^3 tensor would be 64 MiB
    CHECK(peak <= 8 * N * N * int64_t(sizeof(float)));
}

TEST_CASE("losses miners: errors name the miner and the sizes") {
    CHECK_THROWS_WITH_AS(triplet_margin_miner(randn({4, 2}, 1), {0, 1, 0}),
                         doctest::Contains("triplet_margin_miner: embeddings [4, 2] but 3 labels"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(batch_hard_miner(randn({4}, 1), {0, 1, 0, 1}),
                         doctest::Contains("batch_hard_miner: embeddings must be (N,D), got [4]"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(triplet_margin_miner(randn({4, 2}, 1), {0, 1, 0, 1}, -0.1f),
                         doctest::Contains("margin must be >= 0"), ct::ShapeError);
}
