// Dataset accessors: the uint8 -> float conversion happens here, once per image handed out.
#include "data/dataset.h"

#include <algorithm>

namespace ct {

const char* split_name(Split split) { return split == Split::Train ? "train" : "test"; }

void bytes_to_unit_float(const uint8_t* src, int64_t n, float* dst) {
    // A true division, not * (1/255): the same floats as torchvision's ToTensor (x.float().div(255)).
    for (int64_t i = 0; i < n; ++i) dst[i] = float(src[i]) / 255.0f;
}

Tensor Dataset::image(int64_t i) const {
    CT_CHECK(i >= 0 && i < size(), "dataset " << name << ": image index " << i << " out of range [0, "
                                              << size() << ")");
    Tensor out = Tensor::empty(image_shape());
    bytes_to_unit_float(pixels.data() + i * image_numel(), image_numel(), out.data());
    return out;
}

Tensor Dataset::images(const std::vector<int64_t>& indices) const {
    const int64_t n = image_numel();
    Tensor out = Tensor::empty({int64_t(indices.size()), channels, height, width});
    for (size_t b = 0; b < indices.size(); ++b) {
        const int64_t i = indices[b];
        CT_CHECK(i >= 0 && i < size(), "dataset " << name << ": image index " << i
                                                  << " out of range [0, " << size() << ")");
        bytes_to_unit_float(pixels.data() + i * n, n, out.data() + int64_t(b) * n);
    }
    return out;
}

Tensor Dataset::all_images() const {
    Tensor out = Tensor::empty({size(), channels, height, width});
    bytes_to_unit_float(pixels.data(), int64_t(pixels.size()), out.data());
    return out;
}

std::vector<int64_t> Dataset::labels_of(const std::vector<int64_t>& indices) const {
    std::vector<int64_t> out(indices.size());
    for (size_t b = 0; b < indices.size(); ++b) {
        CT_CHECK(indices[b] >= 0 && indices[b] < size(), "dataset " << name << ": label index "
                 << indices[b] << " out of range [0, " << size() << ")");
        out[b] = labels[size_t(indices[b])];
    }
    return out;
}

Dataset Dataset::evenly_spaced(int64_t n) const {
    n = std::max<int64_t>(0, std::min(n, size()));
    std::vector<int64_t> indices(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) indices[size_t(i)] = i * size() / n;
    return subset(indices);
}

Dataset Dataset::subset(const std::vector<int64_t>& indices) const {
    Dataset out;
    out.name = name;
    out.channels = channels;
    out.height = height;
    out.width = width;
    out.classes = classes;
    out.labels = labels_of(indices);
    const int64_t n = image_numel();
    out.pixels.resize(indices.size() * size_t(n));
    for (size_t b = 0; b < indices.size(); ++b)
        std::copy_n(pixels.begin() + indices[b] * n, n, out.pixels.begin() + int64_t(b) * n);
    return out;
}

std::vector<int64_t> Dataset::class_counts() const {
    std::vector<int64_t> counts(classes.size(), 0);
    for (int64_t y : labels)
        if (y >= 0 && y < num_classes()) counts[size_t(y)]++;
    return counts;
}

void Dataset::validate() const {
    CT_CHECK_AS(ValueError, channels > 0 && height > 0 && width > 0,
                "dataset " << name << ": empty image shape [" << channels << ", " << height << ", "
                           << width << "]");
    CT_CHECK_AS(ValueError, int64_t(pixels.size()) == size() * image_numel(),
                "dataset " << name << ": " << pixels.size() << " pixel bytes for " << size()
                           << " images of " << image_numel());
    for (int64_t i = 0; i < size(); ++i)
        CT_CHECK_AS(ValueError, labels[size_t(i)] >= 0 && labels[size_t(i)] < num_classes(),
                    "dataset " << name << ": label " << labels[size_t(i)] << " of image " << i
                               << " is outside [0, " << num_classes() << ")");
}

}  // namespace ct
