// Finding datasets by name (data/resolve.h) and the embedded MNIST sample (data/sample/), whose
// expected numbers come from Python's gzip module on the same files (see data/sample/README.md):
//   python3 -c "import gzip; d=gzip.open('data/sample/mnist/train-labels-idx1-ubyte.gz').read(); print(list(d[8:18]))"
//   python3 -c "import gzip; d=gzip.open('data/sample/mnist/train-images-idx3-ubyte.gz').read(); print(sum(d[16:800]))"
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "data/resolve.h"

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/contrast_test_resolve_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("resolve: the embedded MNIST sample loads with the expected counts and labels") {
    const ct::Dataset train = ct::load_dataset("mnist-sample", ct::Split::Train);
    const ct::Dataset test = ct::load_dataset("mnist-sample", ct::Split::Test);
    CHECK(train.size() == 2000);
    CHECK(test.size() == 1000);
    CHECK(train.image_shape() == ct::Shape{1, 28, 28});
    CHECK(std::vector<int64_t>(train.labels.begin(), train.labels.begin() + 10) ==
          std::vector<int64_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4});
    CHECK(std::vector<int64_t>(test.labels.begin(), test.labels.begin() + 10) ==
          std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9});
    CHECK(train.class_counts() == std::vector<int64_t>{191, 220, 198, 191, 214, 180, 200, 224, 172, 210});
    CHECK(test.class_counts() == std::vector<int64_t>{85, 126, 116, 107, 110, 87, 87, 99, 89, 94});
    double sum = 0;
    for (float v : train.image(0).to_vector()) sum += v;
    CHECK(sum == doctest::Approx(27525 / 255.0));
}

TEST_CASE("resolve: a limit keeps evenly spaced images in every format") {
    // IDX here (the image-folder path is in test_data_image_folder.cpp): 5 of 1,000 test digits are
    // those at 0, 200, 400, 600, 800, the same images a full load holds there.
    const ct::Dataset full = ct::load_dataset("mnist-sample", ct::Split::Test);
    ct::ImageFolderOptions o;
    o.limit = 5;
    const ct::Dataset five = ct::load_dataset("mnist-sample", ct::Split::Test, "", o);
    REQUIRE(five.size() == 5);
    for (int64_t i = 0; i < 5; ++i) {
        CHECK(five.labels[size_t(i)] == full.labels[size_t(200 * i)]);
        CHECK(five.image(i).to_vector() == full.image(200 * i).to_vector());
    }
}

TEST_CASE("resolve: an explicit --data-dir is the only folder searched; else $CONTRAST_DATA first") {
    TempDir a, b;
    std::filesystem::create_directories(a.path + "/mnist");
    std::filesystem::create_directories(b.path + "/mnist");
    std::ofstream(a.path + "/mnist/t10k-images-idx3-ubyte.gz") << "x";
    std::ofstream(b.path + "/mnist/t10k-images-idx3-ubyte") << "x";
    CHECK(ct::find_dataset("mnist", ct::Split::Test, a.path) == a.path + "/mnist");
    setenv("CONTRAST_DATA", b.path.c_str(), 1);
    CHECK(ct::find_dataset("mnist", ct::Split::Test) == b.path + "/mnist");
    CHECK(ct::find_dataset("mnist", ct::Split::Test, a.path) == a.path + "/mnist");
    CHECK(ct::data_roots(a.path) == std::vector<std::string>{a.path});
    CHECK(ct::data_roots()[0] == b.path);
    TempDir empty;   // the dataset exists in $CONTRAST_DATA, but the user named another folder
    CHECK_THROWS_WITH_AS(ct::find_dataset("mnist", ct::Split::Test, empty.path),
                         doctest::Contains(("searched " + empty.path + "/mnist;").c_str()), ct::IoError);
    CHECK(ct::load_dataset("mnist-sample", ct::Split::Test, empty.path).size() == 1000);   // embedded
    unsetenv("CONTRAST_DATA");
}

TEST_CASE("resolve: cifar10 falls back to the JPEG image folder") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path + "/cifar10-jpg/test");
    CHECK(ct::find_dataset("cifar10", ct::Split::Test, tmp.path) == tmp.path + "/cifar10-jpg");
    std::filesystem::create_directories(tmp.path + "/cifar10/cifar-10-batches-bin");
    std::ofstream(tmp.path + "/cifar10/cifar-10-batches-bin/test_batch.bin") << "x";
    CHECK(ct::find_dataset("cifar10", ct::Split::Test, tmp.path) == tmp.path + "/cifar10");
}

TEST_CASE("resolve: a missing dataset names every folder searched and how to get it") {
    unsetenv("CONTRAST_DATA");   // the expected search order below has no $CONTRAST_DATA entry
    TempDir tmp;
    const std::string dir = tmp.path + "/elsewhere";
    const std::string expected = "dataset 'cifar100' (train) not found; searched " + dir + "/cifar100;";
    CHECK_THROWS_WITH_AS(ct::load_dataset("cifar100", ct::Split::Train, dir), doctest::Contains(expected.c_str()),
                         ct::IoError);
    CHECK_THROWS_WITH_AS(ct::find_dataset("cifar100", ct::Split::Train, dir),
                         doctest::Contains("run 'make data' (or scripts/get_data.sh --from ../shared/data)"),
                         ct::IoError);
}
