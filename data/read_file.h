// Reading data files, raw or gzip-compressed (zlib reads both transparently), with errors that
// name the file. DataReader reads in pieces, so the IDX reader (mnist.cpp) checks its header before
// it inflates anything and stops at the size the header declares; read_file_bytes reads a whole
// file up to a bound (the CIFAR binary reader, cifar.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

struct gzFile_s;   // zlib's gzFile is a gzFile_s*

namespace ct {

bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);

// `op` prefixes error messages ("mnist").
class DataReader {
public:
    DataReader(const std::string& path, const char* op);
    ~DataReader();
    DataReader(const DataReader&) = delete;
    DataReader& operator=(const DataReader&) = delete;

    // Reads up to n bytes into dst; fewer only where the data ends. A corrupt gzip stream throws.
    size_t read(uint8_t* dst, size_t n);
    // True when no byte is left (reads one byte to see: call it once the expected data is in).
    bool at_end();
    // Closes the file; a gzip stream cut short (which zlib reports only here) throws.
    void finish();

private:
    std::string path_;
    const char* op_;
    gzFile_s* f_ = nullptr;
};

// The bytes of `path`, decompressed when it is gzip. More than max_bytes is an error naming the
// file, found after inflating max_bytes + 1, never the whole stream.
std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op, size_t max_bytes);

// `path` itself if it exists, else `path + ".gz"` if that exists, else "" (IDX files ship both ways).
std::string find_raw_or_gz(const std::string& path);

}  // namespace ct
