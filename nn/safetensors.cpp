// safetensors reader and atomic writer (format in nn/safetensors.h). The JSON is parsed with
// nlohmann::json; every number taken from the file is checked before it is used as a size or an
// offset, so a corrupted file gives an IoError, never an out-of-bounds read.
#include "nn/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/checked_size.h"

namespace ct::nn {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; this reads it raw");

namespace {
using nlohmann::ordered_json;
constexpr uint64_t kMaxHeaderBytes = 100u << 20;   // the safetensors library's own limit (100 MB)

size_t dtype_size(Dtype d) { return d == Dtype::F32 ? 4 : 8; }

// Owns a FILE* so every error path closes it.
struct File {
    FILE* f = nullptr;
    ~File() { if (f) std::fclose(f); }
};
}  // namespace

const char* dtype_name(Dtype d) { return d == Dtype::F32 ? "F32" : "I64"; }

void write_safetensors(const std::string& path, const std::vector<StoredTensor>& tensors, const Metadata& metadata) {
    ordered_json header = ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const StoredTensor& t : tensors) {
        CT_CHECK_AS(IoError, t.value.defined() && t.name != "__metadata__" && !header.contains(t.name),
                    "safetensors: cannot write " << path << ": tensor name '" << t.name
                                                 << "' is undefined, reserved or repeated");
        const uint64_t bytes = uint64_t(t.value.numel()) * dtype_size(t.dtype);
        header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.value.shape()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');   // pad with spaces so the data starts 8-byte aligned, as the library does

    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    auto fail = [&](const char* what) {
        const std::string reason = std::strerror(errno);
        std::remove(tmp.c_str());
        CT_THROW(IoError, "safetensors: cannot write " << path << ": " << what << " " << tmp << ": " << reason
                                                       << " (the previous file, if any, is unchanged)");
    };
    {
        File out;
        out.f = std::fopen(tmp.c_str(), "wb");
        if (!out.f) fail("cannot create");
        const uint64_t n = text.size();
        bool ok = std::fwrite(&n, 8, 1, out.f) == 1 && std::fwrite(text.data(), 1, n, out.f) == n;
        for (const StoredTensor& t : tensors) {
            if (!ok) break;
            const size_t count = size_t(t.value.numel());
            if (t.dtype == Dtype::F32) {
                ok = std::fwrite(t.value.data(), sizeof(float), count, out.f) == count;
            } else {
                std::vector<int64_t> ints(count);
                for (size_t i = 0; i < count; ++i) ints[i] = int64_t(t.value.data()[i]);
                ok = std::fwrite(ints.data(), sizeof(int64_t), count, out.f) == count;
            }
        }
        if (!ok || std::fflush(out.f) != 0 || ::fsync(::fileno(out.f)) != 0) fail("cannot write");
        const int closed = std::fclose(out.f);
        out.f = nullptr;
        if (closed != 0) fail("cannot close");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename");
}

SafetensorsFile read_safetensors(const std::string& path) {
    auto bad = [&](const std::string& problem) -> IoError {
        return IoError("safetensors: " + path + ": " + problem);
    };
    File in;
    in.f = std::fopen(path.c_str(), "rb");
    if (!in.f) throw bad(std::string("cannot open: ") + std::strerror(errno));
    std::fseek(in.f, 0, SEEK_END);
    const long file_size_l = std::ftell(in.f);
    std::fseek(in.f, 0, SEEK_SET);
    if (file_size_l < 0) throw bad("cannot tell the file size");
    const uint64_t file_size = uint64_t(file_size_l);
    if (file_size < 8) throw bad("file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length (truncated?)");
    uint64_t n = 0;
    if (std::fread(&n, 8, 1, in.f) != 1) throw bad("cannot read the header length");
    if (n > kMaxHeaderBytes) throw bad("header length " + std::to_string(n) + " is over the 100 MB limit (corrupted?)");
    if (n > file_size - 8)
        throw bad("header length " + std::to_string(n) + " exceeds the file size " + std::to_string(file_size) + " (truncated or corrupted)");
    std::string text(n, '\0');
    if (std::fread(&text[0], 1, n, in.f) != n) throw bad("cannot read the header");

    ordered_json header;
    try {
        header = ordered_json::parse(text);
    } catch (const std::exception& e) {
        throw bad(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) throw bad("header is not a JSON object");

    SafetensorsFile out;
    struct Entry { StoredTensor t; uint64_t begin, end; };
    std::vector<Entry> entries;
    const uint64_t data_size = file_size - 8 - n;
    for (const auto& [name, v] : header.items()) {
        if (name == "__metadata__") {
            if (!v.is_object()) throw bad("__metadata__ is not an object");
            for (const auto& [k, s] : v.items()) {
                if (!s.is_string()) throw bad("__metadata__ value of '" + k + "' is not a string");
                out.metadata[k] = s.get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
            throw bad(where + " needs dtype, shape and data_offsets");
        if (!v["dtype"].is_string()) throw bad(where + ": dtype is not a string");
        const std::string dtype = v["dtype"].get<std::string>();
        Entry e;
        e.t.name = name;
        if (dtype == "F32") e.t.dtype = Dtype::F32;
        else if (dtype == "I64") e.t.dtype = Dtype::I64;
        else throw bad(where + " has dtype " + dtype + "; contrast reads F32 (and I64 counters): convert with tensor.float()");
        const auto& shape = v["shape"];
        if (!shape.is_array() || shape.size() > 5) throw bad(where + ": shape must be an array of at most 5 sizes");
        Shape s;
        for (const auto& d : shape) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t(1) << 40)) throw bad(where + ": shape has a bad size " + d.dump());
            s.push_back(int64_t(d.get<uint64_t>()));
        }
        // Checked, not wrapped: [2^32, 2^32] is 2^64 elements, which must not come out as 0.
        int64_t bytes = -1;
        const int64_t numel = checked_product(s, int64_t(1) << 40);
        if (numel < 0 || !checked_mul(numel, int64_t(dtype_size(e.t.dtype)), bytes))
            throw bad(where + ": shape " + shape.dump() + " has more than 2^40 elements (corrupted?)");
        const auto& off = v["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw bad(where + ": data_offsets must be two non-negative integers");
        e.begin = off[0].get<uint64_t>();
        e.end = off[1].get<uint64_t>();
        if (e.begin > e.end || e.end > data_size)
            throw bad(where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                      ") lie outside the data section of " + std::to_string(data_size) + " bytes (truncated?)");
        if (e.end - e.begin != uint64_t(bytes))
            throw bad(where + " of shape " + to_string(s) + " " + dtype + " needs " + std::to_string(bytes) +
                      " bytes but its data_offsets span " + std::to_string(e.end - e.begin));
        e.t.value = Tensor::empty(s);
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    uint64_t covered = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0 && entries[i].begin < entries[i - 1].end)
            throw bad("tensors '" + entries[i - 1].t.name + "' and '" + entries[i].t.name + "' overlap (bytes [" +
                      std::to_string(entries[i - 1].begin) + ", " + std::to_string(entries[i - 1].end) + ") and [" +
                      std::to_string(entries[i].begin) + ", " + std::to_string(entries[i].end) + "))");
        covered += entries[i].end - entries[i].begin;
    }
    if (covered != data_size)
        throw bad("the data section has " + std::to_string(data_size) + " bytes but the tensors cover " +
                  std::to_string(covered) + " (holes or trailing bytes: corrupted?)");

    std::vector<char> data(data_size);
    if (data_size > 0 && std::fread(data.data(), 1, data_size, in.f) != data_size) throw bad("cannot read the data section");
    for (Entry& e : entries) {
        float* dst = e.t.value.data();
        const size_t count = size_t(e.t.value.numel());
        if (e.t.dtype == Dtype::F32) {
            std::memcpy(dst, data.data() + e.begin, count * sizeof(float));
        } else {
            for (size_t i = 0; i < count; ++i) {
                int64_t v;
                std::memcpy(&v, data.data() + e.begin + i * 8, 8);
                dst[i] = float(v);
            }
        }
        out.tensors.push_back(std::move(e.t));
    }
    return out;
}

}  // namespace ct::nn
