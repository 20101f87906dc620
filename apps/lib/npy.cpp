// .npy v1.0 writer and reader; see npy.h. The format is specified in numpy/lib/format.py
// ("NEP 1"): magic "\x93NUMPY", two version bytes, a uint16 little-endian header length, then a
// Python dict literal. We only run on little-endian machines, which the '<' in the descr asserts.
#include "apps/lib/npy.h"

#include <cstring>
#include <fstream>

#include "core/checked_size.h"

namespace ct {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;            // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisDigits = 21; // numpy's GROWTH_AXIS_MAX_DIGITS: room to append rows in place

// Python's repr of a shape tuple: (), (3,), (2, 3).
std::string shape_repr(const Shape& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ",";
    return s + ")";
}

void write_file(const std::string& path, const Shape& shape, const std::string& descr, const void* data,
                size_t bytes) {
    std::ofstream out(path, std::ios::binary);
    CT_CHECK_AS(IoError, out, "save_npy: cannot open " << path << " for writing: check the directory exists");
    const std::string header = npy_header(descr, shape);
    out.write(header.data(), std::streamsize(header.size()));
    out.write(static_cast<const char*>(data), std::streamsize(bytes));
    CT_CHECK_AS(IoError, out, "save_npy: write failed for " << path << ": disk full?");
}

// The value text after `'key': ` in the header dict, up to the next top-level comma or brace.
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
    const std::string pattern = "'" + key + "':";
    const size_t at = header.find(pattern);
    CT_CHECK_AS(IoError, at != std::string::npos, "load_npy: " << path << ": header has no '" << key << "'");
    size_t i = at + pattern.size();
    while (i < header.size() && header[i] == ' ') ++i;
    size_t end = i;
    if (header[i] == '(') end = header.find(')', i) + 1;
    else if (header[i] == '\'') end = header.find('\'', i + 1) + 1;
    else while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
    return header.substr(i, end - i);
}

}  // namespace

std::string npy_header(const std::string& descr, const Shape& shape) {
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_repr(shape) + ", }";
    if (!shape.empty()) dict += std::string(kGrowthAxisDigits - std::to_string(shape[0]).size(), ' ');
    // numpy: padlen = 64 - ((magic 6 + version 2 + length 2 + len(dict) + 1 for '\n') % 64)
    const size_t unpadded = kMagicLen + 2 + 2 + dict.size() + 1;
    const size_t pad = kAlign - unpadded % kAlign;
    dict += std::string(pad, ' ') + "\n";
    const uint16_t len = uint16_t(dict.size());
    std::string out(kMagic, kMagicLen);
    out += char(1);   // major version
    out += char(0);   // minor version
    out += char(len & 0xff);
    out += char(len >> 8);
    return out + dict;
}

void save_npy(const std::string& path, const Tensor& x) {
    CT_CHECK(x.defined(), "save_npy: " << path << ": undefined tensor");
    write_file(path, x.shape(), "<f4", x.data(), size_t(x.numel()) * sizeof(float));
}

void save_npy(const std::string& path, const std::vector<int64_t>& values, const Shape& shape) {
    CT_CHECK(numel_of(shape) == int64_t(values.size()),
             "save_npy: " << path << ": shape " << shape << " needs " << numel_of(shape) << " values, got "
                          << values.size());
    write_file(path, shape, "<i8", values.data(), values.size() * sizeof(int64_t));
}

void save_npy(const std::string& path, const std::vector<int64_t>& values) {
    save_npy(path, values, {int64_t(values.size())});
}

NpyArray load_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    CT_CHECK_AS(IoError, in, "load_npy: cannot open " << path << ": no such file");
    char prefix[10];
    in.read(prefix, 10);
    CT_CHECK_AS(IoError, in && std::memcmp(prefix, kMagic, kMagicLen) == 0,
                "load_npy: " << path << ": not a .npy file (bad magic)");
    CT_CHECK_AS(IoError, prefix[6] == 1 && prefix[7] == 0,
                "load_npy: " << path << ": format version " << int(prefix[6]) << "." << int(prefix[7])
                             << " not supported (only 1.0)");
    const size_t len = uint8_t(prefix[8]) | size_t(uint8_t(prefix[9])) << 8;
    std::string header(len, '\0');
    in.read(&header[0], std::streamsize(len));
    CT_CHECK_AS(IoError, in, "load_npy: " << path << ": truncated header");

    NpyArray a;
    const std::string descr = dict_value(header, "descr", path);
    a.descr = descr.size() >= 2 ? descr.substr(1, descr.size() - 2) : descr;
    CT_CHECK_AS(IoError, a.descr == "<f4" || a.descr == "<i8",
                "load_npy: " << path << ": dtype " << a.descr << " not supported (only <f4 and <i8)");
    CT_CHECK_AS(IoError, dict_value(header, "fortran_order", path) == "False",
                "load_npy: " << path << ": Fortran-order arrays are not supported");
    const std::string shape = dict_value(header, "shape", path);   // "(2, 3)"
    for (size_t i = 1; i < shape.size();) {
        if (shape[i] >= '0' && shape[i] <= '9') {
            size_t digits = 0;
            while (i + digits < shape.size() && shape[i + digits] >= '0' && shape[i + digits] <= '9') ++digits;
            // 18 digits stay below 2^63; more would overflow the int64 a dimension is stored in.
            CT_CHECK_AS(IoError, digits <= 18, "load_npy: " << path << ": shape " << shape << " has a dimension of "
                                                            << digits << " digits, too large (corrupted?)");
            a.shape.push_back(std::stoll(shape.substr(i, digits)));
            i += digits;
        } else {
            ++i;
        }
    }
    // The declared size is checked against the bytes the file holds before anything is allocated.
    const int64_t item = a.descr == "<f4" ? 4 : 8;
    const int64_t n = checked_product(a.shape);
    int64_t bytes = -1;
    CT_CHECK_AS(IoError, n >= 0 && checked_mul(n, item, bytes),
                "load_npy: " << path << ": shape " << a.shape << " is too large (corrupted?)");
    const std::streamoff data_start = in.tellg();
    in.seekg(0, std::ios::end);
    const std::streamoff available = in.tellg() - data_start;
    in.seekg(data_start);
    CT_CHECK_AS(IoError, bytes <= available, "load_npy: " << path << ": truncated data: shape " << a.shape << " needs "
                                                          << bytes << " bytes but the file holds " << available
                                                          << " after the header");
    char* dst;
    if (a.descr == "<f4") {
        a.f32.resize(size_t(n));
        dst = reinterpret_cast<char*>(a.f32.data());
    } else {
        a.i64.resize(size_t(n));
        dst = reinterpret_cast<char*>(a.i64.data());
    }
    in.read(dst, std::streamsize(bytes));
    CT_CHECK_AS(IoError, in, "load_npy: " << path << ": cannot read the data: shape " << a.shape << " needs "
                                          << bytes << " bytes");
    return a;
}

}  // namespace ct
