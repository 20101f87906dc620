// gzread() returns the stored bytes for files that are not gzip, so one path serves both forms.
// A gzip stream cut short is reported by zlib (Z_BUF_ERROR), never returned as a silent short read.
#include "data/read_file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/check.h"

namespace ct {

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool dir_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string find_raw_or_gz(const std::string& path) {
    if (file_exists(path)) return path;
    if (file_exists(path + ".gz")) return path + ".gz";
    return "";
}

DataReader::DataReader(const std::string& path, const char* op) : path_(path), op_(op) {
    errno = 0;
    f_ = gzopen(path.c_str(), "rb");
    CT_CHECK_AS(IoError, f_ != nullptr,
                op << ": cannot open " << path << ": " << std::strerror(errno ? errno : ENOENT));
}

// Not finish(): an early close (an error elsewhere, or more data than declared) must not throw.
DataReader::~DataReader() {
    if (f_) gzclose(f_);
}

size_t DataReader::read(uint8_t* dst, size_t n) {
    size_t total = 0;
    while (total < n) {
        const unsigned want = unsigned(std::min(n - total, size_t(1) << 30));   // gzread takes an unsigned
        const int got = gzread(f_, dst + total, want);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(f_, &code);
            CT_THROW(IoError, op_ << ": cannot read " << path_ << ": " << why
                                  << " (a truncated or corrupted gzip file; fetch it again)");
        }
        total += size_t(got);
        if (unsigned(got) < want) break;
    }
    return total;
}

bool DataReader::at_end() {
    uint8_t byte;
    return read(&byte, 1) == 0;
}

void DataReader::finish() {
    // A gzip member cut short ends the reads early without an error from gzread on some zlib
    // versions; gzclose reports it then (Z_BUF_ERROR).
    const int rc = gzclose(f_);
    f_ = nullptr;
    CT_CHECK_AS(IoError, rc == Z_OK,
                op_ << ": cannot read " << path_ << ": truncated or corrupted gzip data (zlib code "
                    << rc << "); fetch the file again");
}

std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op, size_t max_bytes) {
    DataReader in(path, op);
    std::vector<uint8_t> bytes;
    const size_t chunk = size_t(1) << 20;
    for (;;) {   // in chunks: a short file allocates only what it holds
        const size_t old = bytes.size(), want = std::min(chunk, max_bytes + 1 - old);
        bytes.resize(old + want);
        const size_t got = in.read(bytes.data() + old, want);
        bytes.resize(old + got);
        CT_CHECK_AS(IoError, bytes.size() <= max_bytes,
                    op << ": " << path << ": holds more than " << max_bytes
                       << " bytes, more than this format allows (corrupted, or the wrong file?)");
        if (got < want) break;
    }
    in.finish();
    return bytes;
}

}  // namespace ct
