// Reading a whole data file into memory, raw or gzip-compressed (zlib reads both transparently),
// with errors that name the file. Used by the IDX (mnist.cpp) and CIFAR binary (cifar.cpp) readers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ct {

bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);

// The bytes of `path`, decompressed when it is gzip. `op` prefixes error messages ("mnist").
std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op);

// `path` itself if it exists, else `path + ".gz"` if that exists, else "" (IDX files ship both ways).
std::string find_raw_or_gz(const std::string& path);

}  // namespace ct
