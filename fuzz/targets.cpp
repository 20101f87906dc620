// The fuzz targets: each hands the input bytes to one reader, through a temporary file when the
// reader takes a path (one file per process and target, rewritten for every input).
#include "fuzz/targets.h"

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/contrast/config.h"
#include "apps/contrast/pictures.h"
#include "apps/contrast/train.h"
#include "apps/lib/npy.h"
#include "core/check.h"
#include "core/random.h"
#include "data/cifar.h"
#include "data/image_decode.h"
#include "data/mnist.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/safetensors.h"
#include "nn/sequential.h"

namespace ct::fuzz {
namespace {

// The reader's own error is the expected outcome for most inputs; a second reader on the same
// input still runs after it.
template <class F>
void tolerate_ct_error(F f) {
    try {
        f();
    } catch (const ct::Error&) {
    }
}

std::string write_temp(const std::string& name, const std::string& bytes) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("contrast_fuzz_" + std::to_string(::getpid()) + "_" + name)).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    CT_CHECK_AS(IoError, out.good(), "fuzz: cannot write " << path);
    return path;
}

std::string as_string(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

std::string gzip(const std::string& raw) {
    z_stream z{};
    CT_CHECK_AS(IoError, deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "fuzz: deflateInit2");
    std::string out(deflateBound(&z, uLong(raw.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    z.avail_in = uInt(raw.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    CT_CHECK_AS(IoError, rc == Z_STREAM_END, "fuzz: deflate");
    return out;
}

void idx_file(const std::string& path) {
    tolerate_ct_error([&] { read_idx_images(path); });
    tolerate_ct_error([&] { read_idx_labels(path); });
}

void run_idx(const uint8_t* data, size_t size) { idx_file(write_temp("idx", as_string(data, size))); }

// The input is the uncompressed IDX file: gzip'ing it here lets the fuzzer shape the header and
// body that the .gz path inflates (mutating compressed bytes mostly breaks the stream at once).
void run_idx_gz(const uint8_t* data, size_t size) { idx_file(write_temp("idx.gz", gzip(as_string(data, size)))); }

void run_cifar(const uint8_t* data, size_t size) {
    const std::string path = write_temp("cifar.bin", as_string(data, size));
    tolerate_ct_error([&] {   // CIFAR-10 records, as load_cifar10 reads them
        Dataset ds;
        ds.classes = cifar10_classes();
        read_cifar_binary(path, 1, 0, ds);
    });
    tolerate_ct_error([&] {   // CIFAR-100 records, fine labels
        Dataset ds;
        ds.classes = cifar100_fine_classes();
        read_cifar_binary(path, 2, 1, ds);
    });
}

void run_image(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);
    tolerate_ct_error([&] { decode_image("fuzz-input", bytes, 3, 8192); });
    tolerate_ct_error([&] { decode_image("fuzz-input", bytes, 1, 8192); });
}

// What `contrast train --resume` reads of a checkpoint: the tensors and the metadata, then the
// progress kept in 'contrast.config' (an epoch of 40 steps).
void load_into_tiny_model(const std::string& path) {
    const auto model = tiny_model();
    nn::TrainingState state;
    nn::load_checkpoint(path, *model, &state);
    app::progress_from_metadata(state.config_json, path, 40);
}

void run_safetensors(const uint8_t* data, size_t size) {
    const std::string path = write_temp("ckpt.safetensors", as_string(data, size));
    tolerate_ct_error([&] { nn::read_safetensors(path); });
    tolerate_ct_error([&] { load_into_tiny_model(path); });
}

void run_npy(const uint8_t* data, size_t size) {
    const std::string path = write_temp("array.npy", as_string(data, size));
    tolerate_ct_error([&] { load_npy(path); });
}

void run_config(const uint8_t* data, size_t size) {
    tolerate_ct_error([&] { app::config_from_json(as_string(data, size), "config.json"); });
}

void run_metrics_csv(const uint8_t* data, size_t size) {
    tolerate_ct_error([&] { app::metrics_from_csv(as_string(data, size), "metrics.csv"); });
}

// A valid checkpoint of tiny_model() whose __metadata__ is the input's "key<TAB>value" lines, so
// every input reaches the metadata parsing of load_checkpoint (epoch, step, generators, config).
void run_checkpoint_meta(const uint8_t* data, size_t size) {
    static const std::string tensors_header_and_data = [] {
        const std::string path = write_temp("meta_base.safetensors", "");
        nn::save_checkpoint(path, *tiny_model());
        std::ifstream in(path, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        return bytes.str();
    }();
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = header_len << 8 | uint8_t(tensors_header_and_data[size_t(i)]);
    nlohmann::json header = nlohmann::json::parse(tensors_header_and_data.substr(8, header_len));
    nlohmann::json meta = nlohmann::json::object();
    std::istringstream lines(as_string(data, size));
    for (std::string line; std::getline(lines, line);) {
        const size_t tab = line.find('\t');
        if (tab != std::string::npos) meta[line.substr(0, tab)] = line.substr(tab + 1);
    }
    header["__metadata__"] = meta;
    // invalid UTF-8 becomes U+FFFD: the file stays valid JSON, as any writer's would be
    const std::string text = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i) file[size_t(i)] = char(uint64_t(text.size()) >> (8 * i) & 0xff);
    file += text + tensors_header_and_data.substr(8 + header_len);
    const std::string path = write_temp("meta.safetensors", file);
    tolerate_ct_error([&] { load_into_tiny_model(path); });
}

}  // namespace

std::shared_ptr<nn::Module> tiny_model() {
    Generator gen(7);
    return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
        std::make_shared<nn::Linear>(2, 3, gen), std::make_shared<nn::BatchNorm1d>(3)});
}

std::string metadata_to_lines(const std::map<std::string, std::string>& metadata) {
    std::string out;
    for (const auto& [key, value] : metadata) out += key + "\t" + value + "\n";
    return out;
}

const std::vector<Target>& targets() {
    static const std::vector<Target> t{
        {"idx", "read_idx_images + read_idx_labels (data/mnist.cpp), raw file", run_idx},
        {"idx_gz", "read_idx_images + read_idx_labels, the input gzip'ed first", run_idx_gz},
        {"cifar", "read_cifar_binary (data/cifar.cpp), CIFAR-10 and CIFAR-100 records", run_cifar},
        {"image", "decode_image (data/image_decode.cpp: PNG/BMP by stb, JPEG by libjpeg-turbo), 3 and 1 channels", run_image},
        {"safetensors", "read_safetensors + load_checkpoint (nn/safetensors.cpp, nn/checkpoint.cpp)", run_safetensors},
        {"npy", "load_npy (apps/lib/npy.cpp)", run_npy},
        {"config", "config_from_json (apps/contrast/config.cpp): config.json", run_config},
        {"checkpoint_meta", "load_checkpoint's __metadata__ (epoch, step, generators), then progress_from_metadata "
                            "(apps/contrast/train.cpp) on contrast.config", run_checkpoint_meta},
        {"metrics_csv", "metrics_from_csv (apps/contrast/pictures.cpp): a run's metrics.csv", run_metrics_csv},
    };
    return t;
}

const Target& target(const std::string& name) {
    for (const Target& t : targets())
        if (name == t.name) return t;
    CT_THROW(ValueError, "fuzz: no target '" << name << "'");
}

}  // namespace ct::fuzz
