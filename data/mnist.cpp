// IDX reader. Every header field is checked against the file's actual size before anything is
// copied, so a truncated or mislabelled file is an error naming the file, never a partial load.
#include "data/mnist.h"

#include "data/read_file.h"

namespace ct {
namespace {

uint32_t big_endian_u32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// The bytes of an IDX file after checking its magic number and the size its header promises.
// dims receives the header's dimension sizes.
std::vector<uint8_t> read_idx(const std::string& path, uint32_t magic, std::vector<int64_t>& dims) {
    std::vector<uint8_t> bytes = read_file_bytes(path, "idx");
    const size_t ndim = magic & 0xff;
    const size_t header = 4 + 4 * ndim;
    CT_CHECK_AS(IoError, bytes.size() >= 4, "idx: " << path << ": file too short (" << bytes.size()
                                                    << " bytes) to hold a magic number");
    const uint32_t got = big_endian_u32(bytes.data());
    CT_CHECK_AS(IoError, got == magic,
                "idx: " << path << ": wrong magic number 0x" << std::hex << got << ", expected 0x"
                        << magic << std::dec << " (" << (magic == 0x803 ? "images" : "labels")
                        << " file of uint8); is it the right file?");
    CT_CHECK_AS(IoError, bytes.size() >= header, "idx: " << path << ": truncated header ("
                                                         << bytes.size() << " bytes)");
    dims.assign(ndim, 0);
    // Multiplied in double: three 32-bit counts could overflow size_t in a hostile header.
    double body = 1;
    for (size_t d = 0; d < ndim; ++d) {
        dims[d] = int64_t(big_endian_u32(bytes.data() + 4 + 4 * d));
        body *= double(dims[d]);
    }
    CT_CHECK_AS(IoError, double(bytes.size() - header) == body,
                "idx: " << path << ": header promises "
                        << (body < 9e18 ? std::to_string(int64_t(body)) : std::string("> 2^63"))
                        << " data bytes but the file holds "
                        << bytes.size() - header << " (truncated or corrupted; fetch it again)");
    bytes.erase(bytes.begin(), bytes.begin() + int64_t(header));
    return bytes;
}

std::string idx_path(const std::string& dir, const std::string& name, const std::string& op) {
    const std::string base = dir + "/" + name;
    const std::string found = find_raw_or_gz(base);
    CT_CHECK_AS(IoError, !found.empty(),
                op << ": cannot open " << base << "(.gz): no such file; run 'make data' "
                   << "(or scripts/get_data.sh --from ../shared/data) or pass --data-dir");
    return found;
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
    std::vector<int64_t> dims;
    IdxImages out;
    out.pixels = read_idx(path, 0x00000803, dims);
    out.count = dims[0];
    out.rows = dims[1];
    out.cols = dims[2];
    return out;
}

std::vector<int64_t> read_idx_labels(const std::string& path) {
    std::vector<int64_t> dims;
    const std::vector<uint8_t> bytes = read_idx(path, 0x00000801, dims);
    return std::vector<int64_t>(bytes.begin(), bytes.end());
}

Dataset load_idx_dataset(const std::string& dir, Split split, const std::string& name,
                         const std::vector<std::string>& classes) {
    const std::string prefix = split == Split::Train ? "train" : "t10k";
    const std::string images_path = idx_path(dir, prefix + "-images-idx3-ubyte", name);
    const std::string labels_path = idx_path(dir, prefix + "-labels-idx1-ubyte", name);
    IdxImages images = read_idx_images(images_path);
    std::vector<int64_t> labels = read_idx_labels(labels_path);
    CT_CHECK_AS(IoError, images.count == int64_t(labels.size()),
                name << ": " << images_path << " has " << images.count << " images but "
                     << labels_path << " has " << labels.size() << " labels");
    for (size_t i = 0; i < labels.size(); ++i)
        CT_CHECK_AS(IoError, labels[i] < int64_t(classes.size()),
                    name << ": " << labels_path << ": label " << labels[i] << " of image " << i
                         << " is outside [0, " << classes.size() << ")");
    Dataset ds;
    ds.name = name + " " + split_name(split);
    ds.channels = 1;
    ds.height = images.rows;
    ds.width = images.cols;
    ds.pixels = std::move(images.pixels);
    ds.labels = std::move(labels);
    ds.classes = classes;
    return ds;
}

const std::vector<std::string>& mnist_classes() {
    static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    return names;
}

const std::vector<std::string>& fashion_mnist_classes() {
    static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                   "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                   "Bag",         "Ankle boot"};
    return names;
}

Dataset load_mnist(const std::string& dir, Split split) {
    return load_idx_dataset(dir, split, "mnist", mnist_classes());
}

Dataset load_fashion_mnist(const std::string& dir, Split split) {
    return load_idx_dataset(dir, split, "fashion-mnist", fashion_mnist_classes());
}

}  // namespace ct
