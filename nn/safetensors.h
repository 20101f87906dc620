// The safetensors file format (as Hugging Face's safetensors library reads and writes it): an
// 8-byte little-endian header length n, n bytes of JSON {"name": {"dtype", "shape",
// "data_offsets": [begin, end)}, "__metadata__": {string: string}}, then the raw little-endian data.
// Tensors are float32 in memory; "I64" is read and written for integer counters (BatchNorm's
// num_batches_tracked, which PyTorch keeps as int64). Model/optimizer checkpoints: nn/checkpoint.h.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct::nn {

enum class Dtype { F32, I64 };
const char* dtype_name(Dtype d);

struct StoredTensor {
    std::string name;
    Tensor value;              // float32; an I64 tensor holds whole numbers
    Dtype dtype = Dtype::F32;  // how it is (or was) stored in the file
};
using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
    std::vector<StoredTensor> tensors;   // in the order of their data offsets
    Metadata metadata;
};

// Writes atomically: to "<path>.tmp-<pid>" in the same folder, flushed and fsync'ed, then renamed
// over `path`, so an interrupted save leaves the previous file intact. Throws ct::IoError.
void write_safetensors(const std::string& path, const std::vector<StoredTensor>& tensors,
                       const Metadata& metadata = {});

// Reads and validates everything before returning: the header length against the file size,
// the JSON, each dtype (F32 or I64) and shape, every offset inside the data section with the size
// its shape needs, no overlaps, no bytes left over. Each problem is a ct::IoError naming the file.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace ct::nn
