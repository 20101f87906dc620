// apps/lib/npy: the .npy writer produces numpy's own bytes, and reads them back.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "apps/lib/npy.h"

using namespace ct;

namespace {
std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("contrast_test_apps_" + name)).string();
}
std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
// The header numpy 1.24 writes, from the format spec: 10 prefix bytes, the dict, spaces, '\n', in
// all 128 bytes for these small shapes. Checked with /usr/bin/python3:
//   np.save('x.npy', np.zeros((2,3),'<f4')); b = open('x.npy','rb').read()
//   b[:10] == b'\x93NUMPY\x01\x00v\x00'  (0x76 = 118 = 128 - 10)
//   b[10:128].rstrip() == b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
//   and 59 trailing whitespace bytes, the last one '\n'; (3,) '<i8' gives 61, () gives 63.
void check_header(const std::string& h, const std::string& dict, size_t trailing) {
    REQUIRE(h.size() == 128);
    CHECK(h.substr(0, 10) == std::string("\x93NUMPY\x01\x00\x76\x00", 10));
    CHECK(h.substr(10, dict.size()) == dict);
    CHECK(h.size() - 10 - dict.size() == trailing);
    CHECK(h.find_first_not_of(' ', 10 + dict.size()) == 127);
    CHECK(h.back() == '\n');
}
}  // namespace

TEST_CASE("apps npy: header bytes match the NumPy format specification") {
    SUBCASE("float32 (2, 3)") {
        check_header(npy_header("<f4", {2, 3}), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 59);
    }
    SUBCASE("int64 (3,): a 1-tuple keeps its comma") {
        check_header(npy_header("<i8", {3}), "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", 61);
    }
    SUBCASE("scalar ()") {
        check_header(npy_header("<f4", {}), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 63);
    }
    SUBCASE("data starts at a multiple of 64 bytes for any shape") {
        for (int64_t n : {1, 9, 99999, 123456789})
            for (const Shape& s : {Shape{n}, Shape{n, 64}, Shape{n, 3, 32, 32}}) {
                const std::string h = npy_header("<f4", s);
                CHECK(h.size() % 64 == 0);
                CHECK(size_t(uint8_t(h[8]) | uint8_t(h[9]) << 8) == h.size() - 10);
            }
    }
}

TEST_CASE("apps npy: save and load round trip") {
    SUBCASE("float32 tensor: file = header + raw little-endian floats") {
        const std::string path = temp_path("f32.npy");
        Tensor x = Tensor::from_vector({0.5f, -1.f, 2.f, 3.25f, 1e-8f, 7.f}, {2, 3});
        save_npy(path, x);
        const std::string bytes = read_all(path);
        REQUIRE(bytes.size() == 128 + 6 * 4);
        float second;
        std::memcpy(&second, bytes.data() + 128 + 4, 4);
        CHECK(second == -1.f);
        NpyArray a = load_npy(path);
        CHECK(a.descr == "<f4");
        CHECK(a.shape == Shape{2, 3});
        CHECK(a.f32 == x.to_vector());
        std::remove(path.c_str());
    }
    SUBCASE("int64 labels") {
        const std::string path = temp_path("i64.npy");
        save_npy(path, std::vector<int64_t>{7, 0, -3, int64_t(1) << 40});
        NpyArray a = load_npy(path);
        CHECK(a.descr == "<i8");
        CHECK(a.shape == Shape{4});
        CHECK(a.i64 == std::vector<int64_t>{7, 0, -3, int64_t(1) << 40});
        std::remove(path.c_str());
    }
    SUBCASE("a declared shape is checked against the file size before anything is allocated") {
        // A 128-byte file (header only) declaring 10^11 float32s = 400 GB.
        const std::string path = temp_path("huge.npy");
        {
            const std::string h = npy_header("<f4", {100000, 1000000});
            std::ofstream(path, std::ios::binary) << h;
        }
        REQUIRE(read_all(path).size() == 128);
        CHECK_THROWS_WITH_AS(load_npy(path), doctest::Contains("huge.npy: truncated data: shape [100000, 1000000] "
                                                               "needs 400000000000 bytes but the file holds 0"),
                             IoError);
        // A 20-digit dimension does not fit int64: the same kind of error, not std::out_of_range.
        std::string h = npy_header("<f4", {12345});
        h.replace(h.find("12345"), 5, "99999999999999999999");
        std::ofstream(path, std::ios::binary) << h;
        CHECK_THROWS_WITH_AS(load_npy(path), doctest::Contains("huge.npy: shape (99999999999999999999,) has a dimension "
                                                               "of 20 digits, too large"),
                             IoError);
        // Dimensions that fit int64 but whose product does not.
        h = npy_header("<i8", {12345, 12345});
        h.replace(h.find("(12345, 12345)"), 14, "(999999999999, 999999999999)");
        std::ofstream(path, std::ios::binary) << h;
        CHECK_THROWS_WITH_AS(load_npy(path), doctest::Contains("huge.npy: shape [999999999999, 999999999999] is too large"),
                             IoError);
        std::remove(path.c_str());
    }
    SUBCASE("errors name the file") {
        CHECK_THROWS_WITH_AS(load_npy(temp_path("missing.npy")), doctest::Contains("missing.npy: no such file"),
                             IoError);
        const std::string path = temp_path("bad.npy");
        std::ofstream(path) << "not numpy at all";
        CHECK_THROWS_WITH_AS(load_npy(path), doctest::Contains("bad magic"), IoError);
        std::remove(path.c_str());
        CHECK_THROWS_WITH_AS(save_npy(temp_path("n.npy"), std::vector<int64_t>{1, 2, 3}, {2, 2}),
                             doctest::Contains("shape [2, 2] needs 4 values, got 3"), ShapeError);
        CHECK_THROWS_WITH_AS(save_npy("/nonexistent-dir/x.npy", Tensor::zeros({2})),
                             doctest::Contains("cannot open /nonexistent-dir/x.npy"), IoError);
    }
}
