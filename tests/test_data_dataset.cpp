// Dataset (data/dataset.h): uint8 storage handed out as float images, subsets, class counts,
// and validate()'s messages.
#include <doctest/doctest.h>

#include "data/dataset.h"

namespace {

// Four 1x2x2 images: image n has pixels 4n .. 4n+3; labels 1 0 1 2.
ct::Dataset tiny() {
    ct::Dataset ds;
    ds.name = "tiny";
    ds.channels = 1;
    ds.height = ds.width = 2;
    for (uint8_t p = 0; p < 16; ++p) ds.pixels.push_back(p);
    ds.labels = {1, 0, 1, 2};
    ds.classes = {"a", "b", "c"};
    return ds;
}

}  // namespace

TEST_CASE("dataset: images become float in [0,1], per image, per batch and all at once") {
    const ct::Dataset ds = tiny();
    CHECK(ds.image(3).to_vector() == std::vector<float>{12 / 255.f, 13 / 255.f, 14 / 255.f, 15 / 255.f});
    const ct::Tensor b = ds.images({2, 2, 0});
    CHECK(b.shape() == ct::Shape{3, 1, 2, 2});
    CHECK(b.at({1, 0, 1, 1}) == doctest::Approx(11 / 255.0));
    CHECK(b.at({2, 0, 0, 1}) == doctest::Approx(1 / 255.0));
    CHECK(ds.all_images().shape() == ct::Shape{4, 1, 2, 2});
    CHECK(ds.all_images().at({3, 0, 1, 0}) == doctest::Approx(14 / 255.0));
    CHECK(ds.labels_of({3, 1}) == std::vector<int64_t>{2, 0});
    CHECK(ds.class_counts() == std::vector<int64_t>{1, 2, 1});
    CHECK_THROWS_WITH_AS(ds.image(4), doctest::Contains("dataset tiny: image index 4 out of range [0, 4)"),
                         ct::ShapeError);
}

TEST_CASE("dataset: subset copies the chosen images and labels") {
    const ct::Dataset s = tiny().subset({3, 0});
    CHECK(s.size() == 2);
    CHECK(s.labels == std::vector<int64_t>{2, 1});
    CHECK(s.pixels == std::vector<uint8_t>{12, 13, 14, 15, 0, 1, 2, 3});
    CHECK(s.classes.size() == 3);
}

TEST_CASE("dataset: evenly_spaced picks positions i * size / n, not the first n") {
    // size 4, n 2: positions 0 * 4 / 2 = 0 and 1 * 4 / 2 = 2
    const ct::Dataset s = tiny().evenly_spaced(2);
    CHECK(s.labels == std::vector<int64_t>{1, 1});
    CHECK(s.pixels == std::vector<uint8_t>{0, 1, 2, 3, 8, 9, 10, 11});
    CHECK(tiny().evenly_spaced(10).size() == 4);   // more than there are: all of them, once
    CHECK(tiny().evenly_spaced(0).size() == 0);
}

TEST_CASE("dataset: validate") {
    ct::Dataset ds = tiny();
    CHECK_NOTHROW(ds.validate());
    ds.labels[2] = 3;
    CHECK_THROWS_WITH_AS(ds.validate(), doctest::Contains("label 3 of image 2 is outside [0, 3)"), ct::ValueError);
    ds = tiny();
    ds.pixels.pop_back();
    CHECK_THROWS_WITH_AS(ds.validate(), doctest::Contains("15 pixel bytes for 4 images of 4"), ct::ValueError);
}
