// CIFAR binary reader. A file whose size is not a whole number of records, or a label outside the
// class list, is an error naming the file: the format has no header to check otherwise.
#include "data/cifar.h"

#include <algorithm>

#include "core/checked_size.h"
#include "data/read_file.h"

namespace ct {
namespace {

constexpr int64_t kCifarPixels = 3 * 32 * 32;
// The largest file of the release is CIFAR-100's train.bin, 50,000 records; a file of more than
// 100,000 is refused before it is inflated whole (a small gzip can hold gigabytes).
constexpr int64_t kMaxCifarRecords = 100000;

// dir itself when it holds `probe`, else dir/<sub> when that does; errors name both places.
std::string cifar_folder(const std::string& dir, const std::string& sub, const std::string& probe,
                         const char* op) {
    if (file_exists(dir + "/" + probe)) return dir;
    if (file_exists(dir + "/" + sub + "/" + probe)) return dir + "/" + sub;
    CT_THROW(IoError, op << ": cannot open " << dir << "/" << probe << " (nor " << dir << "/" << sub
                         << "/" << probe << "): no such file; run 'make data' or pass --data-dir");
}

}  // namespace

void read_cifar_binary(const std::string& path, int label_bytes, int label_index, Dataset& ds) {
    const int64_t record = label_bytes + kCifarPixels;
    const std::vector<uint8_t> bytes = read_file_bytes(path, "cifar", size_t(kMaxCifarRecords * record));
    CT_CHECK_AS(IoError, !bytes.empty() && int64_t(bytes.size()) % record == 0,
                "cifar: " << path << ": " << bytes.size() << " bytes is not a whole number of "
                          << record << "-byte records (truncated, or CIFAR-"
                          << (label_bytes == 1 ? "100" : "10") << " data?)");
    ds.channels = 3;
    ds.height = 32;
    ds.width = 32;
    const int64_t n = int64_t(bytes.size()) / record;
    const size_t first = ds.pixels.size();
    int64_t pixels = 0;
    CT_CHECK_AS(IoError, checked_mul(n, kCifarPixels, pixels), "cifar: " << path << ": " << n << " records overflow a size");
    ds.pixels.resize(first + size_t(pixels));
    for (int64_t i = 0; i < n; ++i) {
        const uint8_t* r = bytes.data() + i * record;
        const int64_t label = r[label_index];
        CT_CHECK_AS(IoError, label < ds.num_classes(),
                    "cifar: " << path << ": record " << i << " has label " << label
                              << ", outside [0, " << ds.num_classes() << ")");
        ds.labels.push_back(label);
        std::copy_n(r + label_bytes, kCifarPixels, ds.pixels.begin() + int64_t(first) + i * kCifarPixels);
    }
}

Dataset load_cifar10(const std::string& dir, Split split) {
    const std::string probe = split == Split::Train ? "data_batch_1.bin" : "test_batch.bin";
    const std::string folder = cifar_folder(dir, "cifar-10-batches-bin", probe, "cifar10");
    Dataset ds;
    ds.name = std::string("cifar10 ") + split_name(split);
    ds.classes = cifar10_classes();
    if (split == Split::Test) {
        read_cifar_binary(folder + "/test_batch.bin", 1, 0, ds);
    } else {
        for (int b = 1; b <= 5; ++b) {
            const std::string path = folder + "/data_batch_" + std::to_string(b) + ".bin";
            CT_CHECK_AS(IoError, file_exists(path), "cifar10: cannot open " << path
                        << ": no such file (the training set is data_batch_1..5.bin); run 'make data'");
            read_cifar_binary(path, 1, 0, ds);
        }
    }
    return ds;
}

Dataset load_cifar100(const std::string& dir, Split split, Cifar100Labels labels) {
    const std::string probe = split == Split::Train ? "train.bin" : "test.bin";
    const std::string folder = cifar_folder(dir, "cifar-100-binary", probe, "cifar100");
    Dataset ds;
    const bool fine = labels == Cifar100Labels::Fine;
    ds.name = std::string("cifar100 ") + split_name(split) + (fine ? "" : " (coarse)");
    ds.classes = fine ? cifar100_fine_classes() : cifar100_coarse_classes();
    read_cifar_binary(folder + "/" + probe, 2, fine ? 1 : 0, ds);
    return ds;
}

const std::vector<std::string>& cifar10_classes() {
    static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                   "dog",      "frog",       "horse", "ship", "truck"};
    return names;
}

// The label order of the official release (fine_label_names.txt, coarse_label_names.txt).
const std::vector<std::string>& cifar100_fine_classes() {
    static const std::vector<std::string> names = {
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
        "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
        "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
        "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
        "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
        "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
        "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
        "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
        "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
        "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle",
        "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm"};
    return names;
}

const std::vector<std::string>& cifar100_coarse_classes() {
    static const std::vector<std::string> names = {
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
        "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
        "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
        "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2"};
    return names;
}

}  // namespace ct
