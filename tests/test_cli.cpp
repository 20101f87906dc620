// Smoke tests of the `contrast` command line on tiny data: every method trains a short epoch and
// writes its run directory; resume continues bit-exactly; eval, embed, plot, retrieve and augment
// write their files; bad flags give a message naming the valid choices and a non-zero exit.
// The binary is build/contrast, beside this test binary (make test builds both).
#include <doctest/doctest.h>
#include <stb/stb_image_write.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/random.h"

namespace fs = std::filesystem;

namespace {

std::string contrast_binary() {
    return (fs::read_symlink("/proc/self/exe").parent_path() / "contrast").string();
}

struct Result {
    int exit_code;
    std::string output;   // stdout and stderr together
};

Result run(const std::string& args) {
    const std::string cmd = contrast_binary() + " " + args + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A throwaway folder per test, removed afterwards.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name)
        : path(fs::temp_directory_path() / ("contrast_cli_" + name + "_" + std::to_string(getpid()))) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string str() const { return path.string(); }
};

// A 3-class image folder of 32x32 RGB PNGs, train/ and test/: each class a colour with noise,
// so that SimCLR/SupCon/classifier runs have something to learn.
std::string make_image_folder(const fs::path& root) {
    ct::Generator gen(7);
    const char* classes[] = {"red", "green", "blue"};
    for (const char* split : {"train", "test"})
        for (int c = 0; c < 3; ++c) {
            const fs::path dir = root / "tiny" / split / classes[c];
            fs::create_directories(dir);
            for (int i = 0; i < (split[1] == 'r' ? 24 : 8); ++i) {
                std::vector<unsigned char> px(32 * 32 * 3);
                for (size_t p = 0; p < px.size(); ++p)
                    px[p] = (unsigned char)(int(p % 3) == c ? 150 + gen.randint(100) : gen.randint(100));
                char name[32];
                std::snprintf(name, sizeof name, "%03d.png", i);
                stbi_write_png((dir / name).string().c_str(), 32, 32, 3, px.data(), 32 * 3);
            }
        }
    return (root / "tiny").string();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The loss column of metrics.csv.
std::vector<std::string> losses_of(const std::string& csv) {
    std::vector<std::string> out;
    std::stringstream s(read_text(csv));
    std::string line;
    std::getline(s, line);
    while (std::getline(s, line)) {
        const auto a = line.find(','), b = line.find(',', a + 1);
        out.push_back(line.substr(a + 1, b - a - 1));
    }
    return out;
}

const std::string kMnistTiny = "--data mnist-sample --train-limit 400 --test-limit 100 --threads 2 --workers 1";

}  // namespace

TEST_CASE("cli: every method trains one short epoch and writes its run directory") {
    TempDir tmp("methods");
    const std::string folder = make_image_folder(tmp.path);
    struct Case { const char* name; std::string args; };
    const Case cases[] = {
        {"siamese", "--method siamese --batch-size 16 --embedding-dim 2 " + kMnistTiny},
        {"triplet", "--method triplet --pk 4,8 --miner semihard " + kMnistTiny},
        {"triplet-batch-hard", "--method triplet --pk 4,8 --miner batch-hard " + kMnistTiny},
        {"classifier", "--method classifier --batch-size 32 " + kMnistTiny},
        {"simclr", "--method simclr --data " + folder + " --model e2 --width 4 --batch-size 16 --workers 1"},
        {"supcon", "--method supcon --data " + folder + " --model e2 --width 4 --batch-size 16 --workers 1"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const std::string out = (tmp.path / c.name).string();
        const Result r = run("train " + c.args + " --epochs 1 --out " + out);
        INFO(r.output);
        CHECK(r.exit_code == 0);
        for (const char* file : {"config.json", "metrics.csv", "last.safetensors", "best.safetensors", "loss.png"})
            CHECK_MESSAGE(fs::exists(fs::path(out) / file), file);
        CHECK(losses_of(out + "/metrics.csv").size() == 1);
        CHECK(r.output.find("epoch 1/1") != std::string::npos);
    }
}

TEST_CASE("cli: a resumed run continues exactly where the interrupted one stopped") {
    // Same seed and thread count: the losses after resuming equal those of an uninterrupted run.
    TempDir tmp("resume");
    const std::string args = "train --method siamese --batch-size 16 --epochs 2 " + kMnistTiny;
    const std::string whole = tmp.str() + "/whole", parts = tmp.str() + "/parts";
    REQUIRE(run(args + " --out " + whole).exit_code == 0);
    // 400 images / (2 x 16) = 12 steps per epoch: stop in the middle of the first epoch
    const Result stopped = run(args + " --out " + parts + " --stop-after-steps 5");
    INFO(stopped.output);
    REQUIRE(stopped.exit_code == 0);
    CHECK(stopped.output.find("--resume") != std::string::npos);
    CHECK(losses_of(parts + "/metrics.csv").empty());
    const Result resumed = run("train --resume --out " + parts);
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    const auto a = losses_of(whole + "/metrics.csv"), b = losses_of(parts + "/metrics.csv");
    REQUIRE(a.size() == 2);
    CHECK(a == b);   // printed with full precision: equal text means equal numbers
}

TEST_CASE("cli: eval, embed, plot and retrieve write their outputs") {
    TempDir tmp("outputs");
    const std::string out = tmp.str() + "/run";
    REQUIRE(run("train --method triplet --pk 4,8 --epochs 1 --out " + out + " " + kMnistTiny).exit_code == 0);

    const Result e = run("eval " + out);
    INFO(e.output);
    REQUIRE(e.exit_code == 0);
    for (const char* metric : {"Precision@1", "R-precision", "MAP@R", "kNN accuracy", "NMI"})
        CHECK_MESSAGE(e.output.find(metric) != std::string::npos, metric);
    const std::string json = read_text(out + "/eval.json");
    CHECK(json.find("\"map_at_r\"") != std::string::npos);

    REQUIRE(run("embed " + out).exit_code == 0);
    const std::string npy = read_text(out + "/test_embeddings.npy");
    REQUIRE(npy.size() > 10);
    CHECK(npy.substr(0, 6) == "\x93NUMPY");
    CHECK(npy.find("'shape': (100, 64)") != std::string::npos);
    CHECK(fs::exists(out + "/test_labels.npy"));

    REQUIRE(run("plot " + out).exit_code == 0);
    CHECK(fs::exists(out + "/embedding.png"));
    CHECK(fs::exists(out + "/accuracy.png"));
    REQUIRE(run("retrieve " + out + " --query 3 --neighbors 4").exit_code == 0);
    CHECK(fs::exists(out + "/retrieval.png"));
}

TEST_CASE("cli: the augmentation grid") {
    TempDir tmp("augment");
    const std::string png = tmp.str() + "/grid.png";
    const Result r = run("augment --data mnist-sample --method simclr --images 2 --views 3 --out " + png);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(png));
}

TEST_CASE("cli: bad flags name the valid choices and fail") {
    Result r = run("train --method foo");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("siamese") != std::string::npos);
    CHECK(r.output.find("supcon") != std::string::npos);

    r = run("train --optimizer rmsprop");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("adamw") != std::string::npos);

    r = run("train --miner hardest");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("semihard") != std::string::npos);

    r = run("train --epochs 0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("--epochs: must be > 0, got 0") != std::string::npos);

    r = run("train --weight-decay -1");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("--weight-decay: must be >= 0, got -1") != std::string::npos);

    r = run("train --lr fast");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("--lr: expected a number, got 'fast'") != std::string::npos);

    r = run("frobnicate");
    CHECK(r.exit_code != 0);

    r = run("eval /nonexistent/run");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("error: /nonexistent/run/config.json") != std::string::npos);

    r = run("train --data no-such-dataset --out /tmp/contrast_cli_unused");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("error:") != std::string::npos);
    CHECK(r.output.find("no-such-dataset") != std::string::npos);
}

TEST_CASE("cli: a loss that becomes NaN or infinite stops the run with the step named") {
    TempDir tmp("nan");
    // Adam with lr 1e6 throws the weights to ~1e6 after one step: the squared distances overflow.
    const Result r = run("train --method siamese --batch-size 16 --epochs 1 --lr 1e6 --out " + tmp.str() + "/run " + kMnistTiny);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("error: the loss became") != std::string::npos);
    CHECK(r.output.find("at step") != std::string::npos);
}

TEST_CASE("cli: --help lists every command") {
    const Result r = run("--help");
    CHECK(r.exit_code == 0);
    for (const char* cmd : {"train", "eval", "embed", "plot", "retrieve", "augment"})
        CHECK_MESSAGE(r.output.find(cmd) != std::string::npos, cmd);
}
