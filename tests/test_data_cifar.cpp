// CIFAR-10 / CIFAR-100 binary reader (data/cifar.h): fixtures in the official record layout
// written here, plane order (R, G, B), labels, and the error paths.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/cifar.h"

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/contrast_test_cifar_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// One record: label bytes, then R plane = r, G plane = g, B plane = pixel index mod 256.
std::vector<uint8_t> record(std::vector<uint8_t> labels, uint8_t r, uint8_t g) {
    std::vector<uint8_t> out = labels;
    for (int i = 0; i < 1024; ++i) out.push_back(r);
    for (int i = 0; i < 1024; ++i) out.push_back(g);
    for (int i = 0; i < 1024; ++i) out.push_back(uint8_t(i % 256));
    return out;
}

void write(const std::string& path, const std::vector<std::vector<uint8_t>>& records) {
    std::ofstream f(path, std::ios::binary);
    for (const auto& r : records) f.write(reinterpret_cast<const char*>(r.data()), std::streamsize(r.size()));
}

}  // namespace

TEST_CASE("cifar: CIFAR-10 binary batches round trip") {
    TempDir tmp;
    const std::string dir = tmp.path + "/cifar-10-batches-bin";   // the official archive's folder
    std::filesystem::create_directory(dir);
    for (int b = 1; b <= 5; ++b)
        write(dir + "/data_batch_" + std::to_string(b) + ".bin", {record({uint8_t(b)}, uint8_t(b), 100), record({9}, 0, 0)});
    write(dir + "/test_batch.bin", {record({3}, 255, 7)});

    const ct::Dataset train = ct::load_cifar10(tmp.path, ct::Split::Train);
    CHECK(train.size() == 10);
    CHECK(train.image_shape() == ct::Shape{3, 32, 32});
    CHECK(train.labels == std::vector<int64_t>{1, 9, 2, 9, 3, 9, 4, 9, 5, 9});
    CHECK(train.classes[9] == "truck");
    const ct::Tensor x = train.image(4);   // batch 3, first record: R = 3, G = 100, B = index % 256
    CHECK(x.at({0, 5, 5}) == doctest::Approx(3.0 / 255.0));
    CHECK(x.at({1, 0, 0}) == doctest::Approx(100.0 / 255.0));
    CHECK(x.at({2, 8, 3}) == doctest::Approx(((8 * 32 + 3) % 256) / 255.0));   // row-major planes

    const ct::Dataset test = ct::load_cifar10(dir, ct::Split::Test);
    CHECK(test.size() == 1);
    CHECK(test.labels[0] == 3);
    CHECK(test.image(0).at({0, 31, 31}) == doctest::Approx(1.0));
}

TEST_CASE("cifar: CIFAR-100 fine and coarse labels") {
    TempDir tmp;
    write(tmp.path + "/train.bin", {record({4, 30}, 1, 2), record({19, 99}, 3, 4)});
    const ct::Dataset fine = ct::load_cifar100(tmp.path, ct::Split::Train);
    CHECK(fine.labels == std::vector<int64_t>{30, 99});
    CHECK(fine.classes.size() == 100);
    CHECK(fine.classes[30] == "dolphin");
    CHECK(fine.classes[99] == "worm");
    const ct::Dataset coarse = ct::load_cifar100(tmp.path, ct::Split::Train, ct::Cifar100Labels::Coarse);
    CHECK(coarse.labels == std::vector<int64_t>{4, 19});
    CHECK(coarse.classes.size() == 20);
    CHECK(coarse.classes[19] == "vehicles_2");
    CHECK(coarse.image(1).at({1, 0, 0}) == doctest::Approx(4.0 / 255.0));
}

TEST_CASE("cifar: errors") {
    TempDir tmp;
    SUBCASE("missing folder names both places tried") {
        CHECK_THROWS_WITH_AS(ct::load_cifar10(tmp.path, ct::Split::Test),
                             doctest::Contains("cifar-10-batches-bin/test_batch.bin): no such file; run 'make data'"),
                             ct::IoError);
    }
    SUBCASE("a missing training batch") {
        for (int b : {1, 2, 4, 5}) write(tmp.path + "/data_batch_" + std::to_string(b) + ".bin", {record({0}, 0, 0)});
        CHECK_THROWS_WITH_AS(ct::load_cifar10(tmp.path, ct::Split::Train),
                             doctest::Contains("data_batch_3.bin: no such file"), ct::IoError);
    }
    SUBCASE("a truncated file is not a whole number of records") {
        std::vector<uint8_t> r = record({1}, 0, 0);
        r.resize(3000);
        write(tmp.path + "/test_batch.bin", {record({1}, 0, 0), r});
        CHECK_THROWS_WITH_AS(ct::load_cifar10(tmp.path, ct::Split::Test),
                             doctest::Contains("6073 bytes is not a whole number of 3073-byte records"), ct::IoError);
    }
    SUBCASE("a label outside the class list") {
        write(tmp.path + "/test_batch.bin", {record({1}, 0, 0), record({10}, 0, 0)});
        CHECK_THROWS_WITH_AS(ct::load_cifar10(tmp.path, ct::Split::Test),
                             doctest::Contains("record 1 has label 10, outside [0, 10)"), ct::IoError);
    }
}
