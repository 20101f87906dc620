// An in-memory labelled image dataset. Pixels stay uint8 (N,C,H,W) and become float in [0,1] per
// image or per batch: CIFAR-10 train is 154 MB as bytes but would be 614 MB as float. Readers are
// in mnist.h, cifar.h, image_folder.h; finding a dataset by name is in resolve.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

enum class Split { Train, Test };
const char* split_name(Split split);   // "train", "test"

struct Dataset {
    std::string name;                    // "mnist train": used in messages
    int64_t channels = 0, height = 0, width = 0;
    std::vector<uint8_t> pixels;         // (N,C,H,W) row-major, 0..255
    std::vector<int64_t> labels;         // (N) class indices into `classes`
    std::vector<std::string> classes;    // class names; label k is classes[k]

    int64_t size() const { return int64_t(labels.size()); }
    int64_t image_numel() const { return channels * height * width; }
    int64_t num_classes() const { return int64_t(classes.size()); }
    Shape image_shape() const { return {channels, height, width}; }

    Tensor image(int64_t i) const;                                 // (C,H,W) float in [0,1]
    Tensor images(const std::vector<int64_t>& indices) const;      // (B,C,H,W) float in [0,1]
    Tensor all_images() const;                                     // (N,C,H,W): N*C*H*W*4 bytes
    std::vector<int64_t> labels_of(const std::vector<int64_t>& indices) const;
    Dataset subset(const std::vector<int64_t>& indices) const;     // copies the chosen images
    // n images at evenly spaced positions (all of them if n >= size()). Not the first n: image
    // folders are stored class by class, so the first 1,000 CIFAR-10 images are all airplanes.
    Dataset evenly_spaced(int64_t n) const;
    std::vector<int64_t> class_counts() const;                     // (num_classes)

    // Throws ct::ValueError unless pixels match N*C*H*W and every label indexes `classes`.
    void validate() const;
};

// dst[i] = src[i] / 255 for n bytes.
void bytes_to_unit_float(const uint8_t* src, int64_t n, float* dst);

}  // namespace ct
