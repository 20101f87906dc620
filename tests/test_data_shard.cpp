// ShardedSampler (data/shard.h): the K ranks' shards of a batch, put side by side, are exactly the
// global batch a single process draws, pairs kept whole, and through the loader the same augmented
// images; no MPI needed (rank and K are arguments).
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "data/loader.h"
#include "data/shard.h"

using namespace ct;

TEST_CASE("shard: the ranks' shards of every batch concatenate to the 1-process batch") {
    const BatchSampler whole(40, 12, true, true, 9);   // 3 batches of 12
    const auto global = whole.batches(2);
    for (int K : {1, 2, 3, 4}) {
        std::vector<std::vector<std::vector<int64_t>>> shards;
        for (int r = 0; r < K; ++r)
            shards.push_back(ShardedSampler(std::make_unique<BatchSampler>(40, 12, true, true, 9), 1, r, K).batches(2));
        for (size_t b = 0; b < global.size(); ++b) {
            std::vector<int64_t> joined;
            for (int r = 0; r < K; ++r) {
                CHECK(shards[size_t(r)][b].size() == size_t(12 / K));
                joined.insert(joined.end(), shards[size_t(r)][b].begin(), shards[size_t(r)][b].end());
            }
            CHECK(joined == global[b]);
        }
    }
}

TEST_CASE("shard: a pair batch [firsts, seconds] is cut part by part, so every pair stays on one rank") {
    // global batch [a0 a1 a2 a3, b0 b1 b2 b3] as the indices 0..7: pair j is (j, j + 4)
    struct Fixed : Sampler {
        std::vector<std::vector<int64_t>> batches(int64_t) const override { return {{0, 1, 2, 3, 4, 5, 6, 7}}; }
    };
    CHECK(ShardedSampler(std::make_unique<Fixed>(), 2, 0, 2).batches(0)[0] == std::vector<int64_t>{0, 1, 4, 5});
    CHECK(ShardedSampler(std::make_unique<Fixed>(), 2, 1, 2).batches(0)[0] == std::vector<int64_t>{2, 3, 6, 7});
    CHECK_THROWS_WITH_AS(ShardedSampler(std::make_unique<Fixed>(), 2, 0, 3).batches(0),
                         doctest::Contains("does not split over 3 ranks in whole pairs"), ValueError);
    CHECK_THROWS_WITH_AS(ShardedSampler(std::make_unique<Fixed>(), 1, 3, 3), doctest::Contains("not a valid shard"),
                         ShapeError);
}

TEST_CASE("shard: through the loader, the ranks' two-view shards hold the 1-process batch's augmented images") {
    Dataset ds;   // 24 random 3x16x16 images in 4 classes
    ds.name = "toy";
    ds.channels = 3;
    ds.height = ds.width = 16;
    ds.classes = {"a", "b", "c", "d"};
    Generator gen(1);
    for (int i = 0; i < 24; ++i) {
        ds.labels.push_back(i % 4);
        for (int k = 0; k < 3 * 16 * 16; ++k) ds.pixels.push_back(uint8_t(gen.randint(256)));
    }
    LoaderOptions o;
    o.workers = 1;
    o.seed = 5;
    o.views = transforms::two_views(transforms::simclr_augment(12));
    const BatchSampler whole(24, 8, true, true, 3);
    Loader one(ds, whole, o);
    one.start_epoch(1);
    std::vector<Batch> global;
    for (Batch b; one.next(b);) global.push_back(b);
    const int64_t image = 3 * 12 * 12, n = 4;   // 2 ranks of 4 samples each
    for (int r = 0; r < 2; ++r) {
        const ShardedSampler shard(std::make_unique<BatchSampler>(24, 8, true, true, 3), 1, r, 2);
        Loader mine(ds, shard, o);
        mine.start_epoch(1);
        size_t k = 0;
        for (Batch b; mine.next(b); ++k) {
            REQUIRE(k < global.size());
            const std::vector<float> g = global[k].images.to_vector(), m = b.images.to_vector();
            for (int64_t v = 0; v < 2; ++v) {   // view v of local sample i = view v of global sample r n + i
                const auto from = g.begin() + (v * 8 + r * n) * image;
                CHECK(std::vector<float>(m.begin() + v * n * image, m.begin() + (v + 1) * n * image) ==
                      std::vector<float>(from, from + n * image));
            }
        }
        CHECK(k == global.size());
    }
}
