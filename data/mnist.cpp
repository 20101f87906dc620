// IDX reader. Every header field is checked against the file's actual size before anything is
// copied, so a truncated or mislabelled file is an error naming the file, never a partial load.
#include "data/mnist.h"

#include <algorithm>
#include <sstream>

#include "core/checked_size.h"
#include "data/read_file.h"

namespace ct {
namespace {

uint32_t big_endian_u32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// IDX files in use are MNIST-sized (47 MB); 2 GiB leaves room and keeps a hostile header's
// 2^96-byte promise from becoming an allocation.
constexpr int64_t kMaxIdxBytes = int64_t(1) << 31;

// The body of an IDX file after checking its magic number and the size its header declares. The
// header is read first and the body is inflated only up to the declared size (a gzip holding far
// more is an error once one byte past it is seen). dims receives the header's dimension sizes.
std::vector<uint8_t> read_idx(const std::string& path, uint32_t magic, std::vector<int64_t>& dims) {
    DataReader in(path, "idx");
    uint8_t head[4 + 4 * 3];
    const size_t ndim = magic & 0xff, header = 4 + 4 * ndim;   // magic is 0x801 or 0x803: ndim <= 3
    size_t got = in.read(head, 4);
    CT_CHECK_AS(IoError, got == 4, "idx: " << path << ": file too short (" << got
                                           << " bytes) to hold a magic number");
    const uint32_t found = big_endian_u32(head);
    CT_CHECK_AS(IoError, found == magic,
                "idx: " << path << ": wrong magic number 0x" << std::hex << found << ", expected 0x"
                        << magic << std::dec << " (" << (magic == 0x803 ? "images" : "labels")
                        << " file of uint8); is it the right file?");
    got += in.read(head + 4, header - 4);
    CT_CHECK_AS(IoError, got == header, "idx: " << path << ": truncated header (" << got << " bytes)");
    dims.assign(ndim, 0);
    for (size_t d = 0; d < ndim; ++d) dims[d] = int64_t(big_endian_u32(head + 4 + 4 * d));
    const int64_t body = checked_product(dims, kMaxIdxBytes);
    if (body < 0) {
        std::ostringstream shape;
        for (size_t d = 0; d < ndim; ++d) shape << (d ? " x " : "") << dims[d];
        CT_THROW(IoError, "idx: " << path << ": header declares " << shape.str() << " data bytes, over the "
                                  << kMaxIdxBytes << "-byte limit (corrupted, or not an IDX file?)");
    }
    std::vector<uint8_t> bytes;
    const size_t chunk = size_t(1) << 20;
    while (bytes.size() < size_t(body)) {   // in chunks: a short file allocates only what it holds
        const size_t old = bytes.size(), want = std::min(chunk, size_t(body) - old);
        bytes.resize(old + want);
        const size_t n = in.read(bytes.data() + old, want);
        bytes.resize(old + n);
        if (n < want) break;
    }
    CT_CHECK_AS(IoError, bytes.size() == size_t(body),
                "idx: " << path << ": header promises " << body << " data bytes but the file holds "
                        << bytes.size() << " (truncated or corrupted; fetch it again)");
    CT_CHECK_AS(IoError, in.at_end(),
                "idx: " << path << ": holds more data than the " << body << " bytes its header declares "
                        << "(corrupted, or the wrong file?)");
    in.finish();
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
