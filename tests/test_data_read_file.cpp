// Data-file reading (data/read_file.h): raw and gzip read alike, a bound on the size stops the
// inflating early, and a gzip stream cut short is an error naming the file.
#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/read_file.h"

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/contrast_test_read_file_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
    gzFile f = gzopen(path.c_str(), "wb1");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
}

// The gzip of `bytes` with its last 12 bytes (CRC, length, some data) cut off.
void write_cut_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
    write_gz(path + ".whole", bytes);
    std::ifstream in(path + ".whole", std::ios::binary);
    std::vector<char> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gz.resize(gz.size() - 12);
    std::ofstream(path, std::ios::binary).write(gz.data(), std::streamsize(gz.size()));
}

}  // namespace

TEST_CASE("read_file: raw and gzip give the same bytes, up to a bound") {
    TempDir tmp;
    const std::vector<uint8_t> bytes = {1, 2, 3, 4, 5};
    std::ofstream(tmp.path + "/raw", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 5);
    write_gz(tmp.path + "/z.gz", bytes);
    CHECK(ct::read_file_bytes(tmp.path + "/raw", "t", 5) == bytes);
    CHECK(ct::read_file_bytes(tmp.path + "/z.gz", "t", 5) == bytes);
    CHECK_THROWS_WITH_AS(ct::read_file_bytes(tmp.path + "/z.gz", "t", 4),
                         doctest::Contains(("t: " + tmp.path + "/z.gz: holds more than 4 bytes").c_str()), ct::IoError);
    CHECK_THROWS_WITH_AS(ct::read_file_bytes(tmp.path + "/none", "t", 4),
                         doctest::Contains(("t: cannot open " + tmp.path + "/none").c_str()), ct::IoError);
}

TEST_CASE("read_file: a gzip bomb is refused after max_bytes + 1, not inflated whole") {
    // 16 MB of zeros with the end of the stream cut off: inflating it all would report the cut;
    // stopping at the bound reports the size.
    TempDir tmp;
    const std::string path = tmp.path + "/bomb.gz";
    write_cut_gz(path, std::vector<uint8_t>(size_t(16) << 20, 0));
    CHECK_THROWS_WITH_AS(ct::read_file_bytes(path, "cifar", 1000), doctest::Contains("holds more than 1000 bytes"),
                         ct::IoError);
    CHECK_THROWS_WITH_AS(ct::read_file_bytes(path, "cifar", size_t(1) << 30),
                         doctest::Contains("truncated or corrupted gzip"), ct::IoError);
}
