// gzread() returns the stored bytes for files that are not gzip, so one path serves both forms.
// A gzip stream cut short is reported by zlib (Z_BUF_ERROR), never returned as a silent short read.
#include "data/read_file.h"

#include <sys/stat.h>
#include <zlib.h>

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

std::vector<uint8_t> read_file_bytes(const std::string& path, const char* op) {
    gzFile f = gzopen(path.c_str(), "rb");
    CT_CHECK_AS(IoError, f != nullptr,
                op << ": cannot open " << path << ": " << std::strerror(errno ? errno : ENOENT));
    std::vector<uint8_t> bytes;
    const unsigned chunk = 1u << 20;
    for (;;) {
        const size_t old = bytes.size();
        bytes.resize(old + chunk);
        const int got = gzread(f, bytes.data() + old, chunk);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(f, &code);
            gzclose(f);
            CT_THROW(IoError, op << ": cannot read " << path << ": " << why
                                 << " (a truncated or corrupted gzip file; fetch it again)");
        }
        bytes.resize(old + size_t(got));
        if (unsigned(got) < chunk) break;
    }
    // A gzip member cut short ends the reads early without an error from gzread on some zlib
    // versions; gzclose reports it then (Z_BUF_ERROR).
    const int rc = gzclose(f);
    CT_CHECK_AS(IoError, rc == Z_OK,
                op << ": cannot read " << path << ": truncated or corrupted gzip data (zlib code "
                   << rc << "); fetch the file again");
    return bytes;
}

}  // namespace ct
