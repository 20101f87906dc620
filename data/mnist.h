// MNIST and Fashion-MNIST in the IDX format of LeCun's release (big-endian header, uint8 body),
// raw or gzip'd. Finding the folder by name (--data-dir, $CONTRAST_DATA, ./data) is in resolve.h.
#pragma once
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ct {

struct IdxImages {
    int64_t count = 0, rows = 0, cols = 0;
    std::vector<uint8_t> pixels;   // (count, rows, cols)
};

IdxImages read_idx_images(const std::string& path);        // magic 0x00000803
std::vector<int64_t> read_idx_labels(const std::string& path);  // magic 0x00000801

// <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] -> (N,1,28,28) images, labels 0..9.
Dataset load_mnist(const std::string& dir, Split split);
Dataset load_fashion_mnist(const std::string& dir, Split split);

// Any IDX image/label pair with the given class names (both MNIST flavours go through this).
Dataset load_idx_dataset(const std::string& dir, Split split, const std::string& name,
                         const std::vector<std::string>& classes);

const std::vector<std::string>& mnist_classes();           // "0" .. "9"
const std::vector<std::string>& fashion_mnist_classes();   // "T-shirt/top" .. "Ankle boot"

}  // namespace ct
