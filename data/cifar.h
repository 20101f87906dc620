// CIFAR-10 and CIFAR-100 in the official binary release format: fixed-size records of label
// byte(s) then 3x32x32 uint8 pixels (R plane, G plane, B plane). CIFAR-10 as a JPEG folder
// (what `make data` unpacks) is read by image_folder.h instead; resolve.h picks whichever is present.
#pragma once
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ct {

// <dir>/data_batch_1..5.bin (train) or test_batch.bin; <dir>/cifar-10-batches-bin/ also works.
Dataset load_cifar10(const std::string& dir, Split split);

// <dir>/train.bin or test.bin (records: coarse label, fine label, pixels); also cifar-100-binary/.
enum class Cifar100Labels { Fine, Coarse };
Dataset load_cifar100(const std::string& dir, Split split, Cifar100Labels labels = Cifar100Labels::Fine);

// Appends one binary file's records to ds (which fixes channels/height/width to 3x32x32).
// label_bytes: 1 for CIFAR-10, 2 for CIFAR-100; label_index picks which of them is the label.
void read_cifar_binary(const std::string& path, int label_bytes, int label_index, Dataset& ds);

const std::vector<std::string>& cifar10_classes();           // airplane .. truck
const std::vector<std::string>& cifar100_fine_classes();     // apple .. worm (100)
const std::vector<std::string>& cifar100_coarse_classes();   // aquatic_mammals .. vehicles_2 (20)

}  // namespace ct
