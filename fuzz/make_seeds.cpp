// Writes the seed corpus of every fuzz target into <out>/<target>/ with the project's own writers
// (save_checkpoint, save_npy, Image::save_png, to_json) and the MNIST sample of data/sample/mnist,
// so the fuzzer starts from valid files. Run by `make fuzz`; usage: make_seeds <out-dir>.
#include <stb/stb_image_write.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "apps/contrast/config.h"
#include "apps/contrast/method.h"
#include "apps/lib/image.h"
#include "apps/lib/npy.h"
#include "core/check.h"
#include "data/mnist.h"
#include "fuzz/targets.h"
#include "nn/checkpoint.h"

namespace fs = std::filesystem;
using namespace ct;

namespace {

std::string g_out;

std::string seed_path(const std::string& target, const std::string& file) {
    fs::create_directories(g_out + "/" + target);
    return g_out + "/" + target + "/" + file;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    CT_CHECK_AS(IoError, out.good(), "make_seeds: cannot write " << path);
}

void put_be32(std::string& s, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += char(v >> shift & 0xff);
}

// The first n images and labels of the MNIST sample, in the IDX layout (big-endian header).
void idx_seeds(int64_t n) {
    const IdxImages images = read_idx_images("data/sample/mnist/t10k-images-idx3-ubyte.gz");
    const std::vector<int64_t> labels = read_idx_labels("data/sample/mnist/t10k-labels-idx1-ubyte.gz");
    std::string img, lab;
    put_be32(img, 0x803);
    put_be32(img, uint32_t(n));
    put_be32(img, uint32_t(images.rows));
    put_be32(img, uint32_t(images.cols));
    img.append(reinterpret_cast<const char*>(images.pixels.data()), size_t(n * images.rows * images.cols));
    put_be32(lab, 0x801);
    put_be32(lab, uint32_t(n));
    for (int64_t i = 0; i < n; ++i) lab += char(labels[size_t(i)]);
    for (const char* t : {"idx", "idx_gz"}) {   // idx_gz gzips its input itself
        write_bytes(seed_path(t, "images-idx3-ubyte"), img);
        write_bytes(seed_path(t, "labels-idx1-ubyte"), lab);
    }
}

// Two CIFAR-10 records (label, 3072 pixels) in one file, two CIFAR-100 records (coarse, fine,
// 3072 pixels) in another.
void cifar_seeds() {
    for (int label_bytes : {1, 2}) {
        std::string s;
        for (int r = 0; r < 2; ++r) {
            for (int b = 0; b < label_bytes; ++b) s += char(r + b);
            for (int i = 0; i < 3 * 32 * 32; ++i) s += char((i * 7 + r * 31) & 0xff);
        }
        write_bytes(seed_path("cifar", label_bytes == 1 ? "cifar10.bin" : "cifar100.bin"), s);
    }
}

void image_seeds() {
    Image im(6, 5, colors::white);
    im.fill_rect(1, 1, 3, 2, colors::red);
    im.save_png(seed_path("image", "rgb.png"));
    CT_CHECK_AS(IoError, stbi_write_jpg(seed_path("image", "rgb.jpg").c_str(), im.width(), im.height(), 3, im.data(), 90),
                "make_seeds: cannot write the JPEG seed");
    CT_CHECK_AS(IoError, stbi_write_bmp(seed_path("image", "rgb.bmp").c_str(), im.width(), im.height(), 3, im.data()),
                "make_seeds: cannot write the BMP seed");
    std::vector<uint8_t> gray(size_t(im.width() * im.height()));
    for (size_t i = 0; i < gray.size(); ++i) gray[i] = uint8_t(i * 9);
    CT_CHECK_AS(IoError, stbi_write_png(seed_path("image", "gray.png").c_str(), im.width(), im.height(), 1, gray.data(), im.width()),
                "make_seeds: cannot write the gray PNG seed");
}

// A training checkpoint as `contrast train` writes it: optimizer state, generators, and the run's
// config with its progress in contrast.config.
nn::TrainingState training_state() {
    nn::TrainingState st;
    st.optimizer.emplace_back("optimizer.0.weight.exp_avg", Tensor::full({3, 2}, 0.25f));
    st.epoch = 2;
    st.step = 40;
    st.generators["data"] = Generator(1).state();
    st.generators["dropout"] = Generator(2).state();
    st.config_json = nlohmann::json{{"config", app::to_json(app::defaults_for("siamese", "mnist-sample"))},
                                    {"best", 0.75}, {"epoch_loss_sum", 3.5}, {"epoch_batches", 7}}.dump();
    return st;
}

void checkpoint_seeds() {
    const auto model = fuzz::tiny_model();
    const nn::TrainingState st = training_state();
    nn::save_checkpoint(seed_path("safetensors", "training.safetensors"), *model, &st);
    nn::save_checkpoint(seed_path("safetensors", "model.safetensors"), *model);
    std::map<std::string, std::string> meta{{"format", "pt"}, {"contrast.epoch", std::to_string(st.epoch)},
                                            {"contrast.step", std::to_string(st.step)},
                                            {"contrast.config", st.config_json}};
    write_bytes(seed_path("checkpoint_meta", "training.tsv"), fuzz::metadata_to_lines(meta));
}

void npy_seeds() {
    save_npy(seed_path("npy", "f32.npy"), Tensor::from_vector({1.f, -2.f, 3.5f, 0.f, 5.f, 6.f}, {2, 3}));
    save_npy(seed_path("npy", "i64.npy"), std::vector<int64_t>{3, 1, 4, 1, 5});
}

void config_seeds() {
    for (const std::string& method : app::methods())
        write_bytes(seed_path("config", method + ".json"), app::to_json(app::defaults_for(method, "mnist")).dump(2) + "\n");
}

// As `contrast train` writes it (apps/contrast/train.cpp's header and one row per epoch).
void metrics_seeds() {
    write_bytes(seed_path("metrics_csv", "metrics.csv"),
                "epoch,loss,online_p_at_1,lr,seconds,data_wait_share,images_per_second\n"
                "1,0.2481,0.815,0.001,12.5,0.01,640.2\n2,0.1984,0.845,0.0005,11.9,0,672.0\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <out-dir>   (run from the repository root)\n", argv[0]);
        return 2;
    }
    try {
        g_out = argv[1];
        idx_seeds(8);
        cifar_seeds();
        image_seeds();
        checkpoint_seeds();
        npy_seeds();
        config_seeds();
        metrics_seeds();
        for (const fuzz::Target& t : fuzz::targets())
            CT_CHECK_AS(IoError, fs::exists(g_out + "/" + t.name), "make_seeds: no seeds for target " << t.name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
