// The loader (data/loader.h): batch layout, one- and two-view batches, identical results for any
// number of worker threads, epochs, wait-time accounting and error propagation.
#include <doctest/doctest.h>

#include <stdexcept>

#include "data/loader.h"

namespace {

// 50 random 3x16x16 images in 5 classes.
ct::Dataset toy_dataset() {
    ct::Dataset ds;
    ds.name = "toy";
    ds.channels = 3;
    ds.height = ds.width = 16;
    ds.classes = {"a", "b", "c", "d", "e"};
    ct::Generator gen(1);
    for (int i = 0; i < 50; ++i) {
        ds.labels.push_back(i % 5);
        for (int k = 0; k < 3 * 16 * 16; ++k) ds.pixels.push_back(uint8_t(gen.randint(256)));
    }
    return ds;
}

std::vector<ct::Batch> run_epoch(ct::Loader& loader, int64_t epoch) {
    loader.start_epoch(epoch);
    std::vector<ct::Batch> out;
    for (ct::Batch b; loader.next(b);) out.push_back(b);
    return out;
}

}  // namespace

TEST_CASE("loader: plain batches follow the sampler") {
    const ct::Dataset ds = toy_dataset();
    const ct::BatchSampler sampler(50, 16, true, false, 3);
    ct::LoaderOptions o;
    o.workers = 2;
    ct::Loader loader(ds, sampler, o);
    const auto batches = run_epoch(loader, 0);
    const auto expected = sampler.batches(0);
    REQUIRE(batches.size() == 4);
    for (size_t b = 0; b < 4; ++b) {
        CHECK(batches[b].number == int64_t(b));
        CHECK(batches[b].indices == expected[b]);
        CHECK(batches[b].labels == ds.labels_of(expected[b]));
        CHECK(batches[b].images.shape() == ct::Shape{int64_t(expected[b].size()), 3, 16, 16});
        const int64_t i = expected[b][1];
        CHECK(batches[b].images.at({1, 2, 3, 4}) == doctest::Approx(ds.pixels[size_t(i * 768 + 2 * 256 + 3 * 16 + 4)] / 255.0));
    }
    CHECK(loader.stats().batches == 4);
    CHECK(loader.stats().wait_seconds >= 0);
}

TEST_CASE("loader: two-view batches stack view v of sample i at row v*B + i") {
    const ct::Dataset ds = toy_dataset();
    const ct::BatchSampler sampler(50, 8, false, true);
    ct::LoaderOptions o;
    o.workers = 1;
    o.seed = 5;
    o.views = ct::transforms::two_views(ct::transforms::simclr_augment(12));
    ct::Loader loader(ds, sampler, o);
    const auto batches = run_epoch(loader, 0);
    REQUIRE(batches.size() == 6);
    const ct::Batch& b = batches[1];
    CHECK(b.views == 2);
    CHECK(b.images.shape() == ct::Shape{16, 3, 12, 12});
    CHECK(b.labels.size() == 16);
    for (size_t i = 0; i < 8; ++i) CHECK(b.labels[i] == b.labels[i + 8]);
    // make_batch reproduces it: sample i of batch 1 sits at epoch position 8 + i
    const ct::Batch again = ct::make_batch(ds, b.indices, o.views, 5, 0, 8);
    CHECK(again.images.to_vector() == b.images.to_vector());
    // the two views of a sample differ (independent draws from its generator)
    const std::vector<float> v = b.images.to_vector();
    CHECK(std::vector<float>(v.begin(), v.begin() + 432) != std::vector<float>(v.begin() + 8 * 432, v.begin() + 9 * 432));
}

TEST_CASE("loader: the same seed gives the same batches with 0, 1 and 2 workers") {
    const ct::Dataset ds = toy_dataset();
    const ct::PKSampler sampler(ds.labels, 3, 4, 6, 11);
    std::vector<std::vector<float>> reference;
    for (int workers : {0, 1, 2}) {
        CAPTURE(workers);
        ct::LoaderOptions o;
        o.workers = workers;
        o.prefetch = 3;
        o.seed = 9;
        o.views = ct::transforms::two_views(ct::transforms::simclr_augment(16));
        ct::Loader loader(ds, sampler, o);
        for (int64_t epoch : {0, 1}) {
            const auto batches = run_epoch(loader, epoch);
            REQUIRE(batches.size() == 6);
            for (size_t b = 0; b < batches.size(); ++b) {
                if (workers == 0) reference.push_back(batches[b].images.to_vector());
                else CHECK(batches[b].images.to_vector() == reference[size_t(epoch) * 6 + b]);
            }
        }
    }
    CHECK(reference[0] != reference[6]);   // epoch 1 draws new augmentations
}

TEST_CASE("loader: an epoch can be abandoned, and errors reach the training thread") {
    const ct::Dataset ds = toy_dataset();
    const ct::BatchSampler sampler(50, 5, true, false, 1);
    ct::LoaderOptions o;
    o.workers = 2;
    ct::Loader loader(ds, sampler, o);
    loader.start_epoch(0);
    ct::Batch b;
    CHECK(loader.next(b));
    CHECK(run_epoch(loader, 1).size() == 10);   // restarting mid-epoch stops the old workers

    o.views = {ct::transforms::random_resized_crop(8), ct::transforms::random_resized_crop(9)};
    ct::Loader mismatched(ds, sampler, o);
    mismatched.start_epoch(0);
    CHECK_THROWS_WITH_AS(mismatched.next(b), doctest::Contains("every view must produce the same size"), ct::ShapeError);

    ct::Loader unstarted(ds, sampler, o);
    CHECK_THROWS_WITH_AS(unstarted.next(b), doctest::Contains("call start_epoch(epoch) before next()"), ct::ValueError);
}
