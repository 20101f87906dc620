// NumPy .npy files (format version 1.0) so that Python users can np.load() our embeddings and
// labels. Writes float32 '<f4' and int64 '<i8' C-order arrays byte for byte as numpy 1.24's np.save
// does; reads the same two kinds back (for tests and for `contrast` itself). No .npz, no pickles.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

// The header numpy writes: magic, version 1.0, little-endian header length, the dict text padded
// with spaces and ending in '\n' so that the data starts at a multiple of 64 bytes.
std::string npy_header(const std::string& descr, const Shape& shape);

void save_npy(const std::string& path, const Tensor& x);                                     // '<f4'
void save_npy(const std::string& path, const std::vector<int64_t>& values, const Shape& shape);  // '<i8'
void save_npy(const std::string& path, const std::vector<int64_t>& values);                  // 1-D '<i8'

struct NpyArray {
    std::string descr;              // "<f4" or "<i8"
    Shape shape;
    std::vector<float> f32;         // filled when descr == "<f4"
    std::vector<int64_t> i64;       // filled when descr == "<i8"
};
NpyArray load_npy(const std::string& path);   // throws ct::IoError naming the file and the problem

}  // namespace ct
