// Smoke tests of the `contrast` command line on tiny data: every method trains a short epoch and
// writes its run directory; resume continues bit-exactly; eval, embed, plot, retrieve and augment
// write their files; bad flags give a message naming the valid choices and a non-zero exit; what is
// loaded back (config.json, checkpoints) is checked; kill -9 and a failing disk lose no checkpoint.
// The binary is build/contrast, beside this test binary (make test builds both).
#include <doctest/doctest.h>
#include <stb/stb_image_write.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "apps/contrast/config.h"
#include "apps/contrast/method.h"
#include "core/random.h"
#include "nn/safetensors.h"

namespace fs = std::filesystem;

namespace {

std::string contrast_binary() {
    return (fs::read_symlink("/proc/self/exe").parent_path() / "contrast").string();
}

struct Result {
    int exit_code;
    std::string output;   // stdout and stderr together
};

// A shell command line, its stderr joined to its stdout.
Result run_shell(const std::string& command) {
    const std::string cmd = "{ " + command + "; } 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Result run(const std::string& args) { return run_shell(contrast_binary() + " " + args); }

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
        {"proxy", "--method proxy --loss proxy-anchor --batch-size 32 " + kMnistTiny},
        {"proxy-arcface", "--method proxy --loss arcface --batch-size 32 " + kMnistTiny},
        {"moco", "--method moco --data " + folder + " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --queue-size 64 --workers 1"},
        {"byol", "--method byol --data " + folder + " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --workers 1"},
        {"simsiam", "--method simsiam --data " + folder + " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --workers 1"},
        {"barlow", "--method barlow --data " + folder + " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --workers 1"},
        {"vicreg", "--method vicreg --data " + folder + " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --workers 1"},
    };
    for (const std::string& m : ct::app::methods()) {   // a new method needs its row above
        if (ct::app::find_method(m).text()) continue;   // text methods: tests/test_cli_text.cpp
        bool covered = false;
        for (const Case& c : cases) covered = covered || c.args.find("--method " + m + " ") == 0;
        CHECK_MESSAGE(covered, m);
    }
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

TEST_CASE("cli: a resumed proxy run restores its proxies and their optimizer state exactly") {
    // The proxies are the method's extras: in the checkpoint as method.proxies with their Adam
    // moments; a run stopped mid-epoch and resumed logs the same losses as an uninterrupted one.
    TempDir tmp("resume_proxy");
    const std::string args = "train --method proxy --loss proxy-anchor --batch-size 32 --epochs 2 " + kMnistTiny;
    const std::string whole = tmp.str() + "/whole", parts = tmp.str() + "/parts";
    REQUIRE(run(args + " --out " + whole).exit_code == 0);
    const ct::nn::SafetensorsFile f = ct::nn::read_safetensors(whole + "/last.safetensors");
    std::vector<std::string> names;
    for (const auto& t : f.tensors) {
        names.push_back(t.name);
        if (t.name == "method.proxies") CHECK(t.value.shape() == ct::Shape{10, 64});
    }
    for (const char* name : {"method.proxies", "optimizer.method.proxies.exp_avg", "optimizer.method.proxies.exp_avg_sq"})
        CHECK_MESSAGE(std::find(names.begin(), names.end(), name) != names.end(), name);
    // 400 images / 32 = 12 steps per epoch: stop in the middle of the first epoch
    REQUIRE(run(args + " --out " + parts + " --stop-after-steps 5").exit_code == 0);
    const Result resumed = run("train --resume --out " + parts);
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    const auto a = losses_of(whole + "/metrics.csv"), b = losses_of(parts + "/metrics.csv");
    REQUIRE(a.size() == 2);
    CHECK(a == b);
    const ct::nn::SafetensorsFile g = ct::nn::read_safetensors(parts + "/last.safetensors");
    for (const auto& t : f.tensors)
        for (const auto& u : g.tensors)
            if (t.name == "method.proxies" && u.name == t.name) CHECK(t.value.to_vector() == u.value.to_vector());
}

TEST_CASE("cli: a resumed BYOL or MoCo run restores its target and queue: the losses equal an uninterrupted run's") {
    TempDir tmp("resume_ssl");
    const std::string folder = make_image_folder(tmp.path);
    for (const char* method : {"byol", "moco"}) {
        CAPTURE(method);
        // 72 images / 16 = 4 steps per epoch: stop after 3, in the middle of the first epoch
        const std::string args = std::string("train --method ") + method + " --data " + folder +
                                 " --model e2 --width 4 --batch-size 16 --embedding-dim 16 --epochs 2 --workers 1" +
                                 (std::string(method) == "moco" ? " --queue-size 40" : "");
        const std::string whole = tmp.str() + "/whole-" + method, parts = tmp.str() + "/parts-" + method;
        REQUIRE(run(args + " --out " + whole).exit_code == 0);
        REQUIRE(run(args + " --out " + parts + " --stop-after-steps 3").exit_code == 0);
        const Result resumed = run("train --resume --out " + parts);
        INFO(resumed.output);
        REQUIRE(resumed.exit_code == 0);
        const auto a = losses_of(whole + "/metrics.csv"), b = losses_of(parts + "/metrics.csv");
        REQUIRE(a.size() == 2);
        CHECK(a == b);
    }
}

TEST_CASE("cli: eval, embed, plot and retrieve write their outputs") {
    TempDir tmp("outputs");
    const std::string out = tmp.str() + "/run";
    REQUIRE(run("train --method triplet --pk 4,8 --epochs 1 --out " + out + " " + kMnistTiny).exit_code == 0);

    const Result e = run("eval " + out);
    INFO(e.output);
    REQUIRE(e.exit_code == 0);
    CHECK(e.output.find("training references, 2 threads") != std::string::npos);   // the run's own --threads
    const Result one = run("eval " + out + " --no-probe --threads 1");
    CHECK(one.output.find("training references, 1 thread\n") != std::string::npos);
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

    r = run("train --method moco --queue-size 0");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("--queue-size: must be >= 1, got 0") != std::string::npos);

    // a method-specific flag given to another method is named, with the methods that read it
    struct Misplaced { const char* args; const char* message; };
    const Misplaced misplaced[] = {
        {"--method triplet --loss arcface", "--loss applies to --method proxy only, not triplet"},
        {"--method simclr --ema 0.9", "--ema applies to --method moco|byol only, not simclr"},
        {"--method triplet --crop-scale 0.2",
         "--crop-scale applies to --method simclr|supcon|moco|byol|simsiam|barlow|vicreg only, not triplet"},
        {"--method siamese --color-strength 0.3",
         "--color-strength applies to --method simclr|supcon|moco|byol|simsiam|barlow|vicreg only, not siamese"},
        {"--method simclr --no-augment", "--no-augment applies to --method siamese|triplet|classifier|proxy only, not simclr"},
        {"--method byol --projector-bn", "--projector-bn applies to --method simclr|supcon|moco only, not byol"},
    };
    for (const Misplaced& m : misplaced) {
        CAPTURE(m.args);
        r = run(std::string("train --out /tmp/contrast_cli_unused ") + m.args);
        INFO(r.output);
        CHECK(r.exit_code != 0);
        CHECK(r.output.find(m.message) != std::string::npos);
    }

    r = run("train --method barlow --batch-size 1 --out /tmp/contrast_cli_unused");
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("--batch-size 1: barlow needs at least 2 images per view") != std::string::npos);

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

TEST_CASE("cli: hostile command lines get one clear error each, never a crash or a bare exception") {
    // Each must exit non-zero at once with a message naming the flag or the file; none may leak a
    // C++ exception's type (std::bad_alloc, nlohmann's parse errors) or abort.
    const char* lines[] = {
        "train --batch-size 1000000000000", "train --embedding-dim 100000000000", "train --epochs 99999999999999999999",
        "train --epochs -1", "train --epochs 1.5", "train --batch-size 0", "train --batch-size abc", "train --lr nan",
        "train --lr inf", "train --lr -0.1", "train --lr 1e400", "train --momentum 2", "train --temperature 0",
        "train --margin -1", "train --threads 0", "train --threads 100000", "train --workers -1", "train --width -1",
        "train --pk 0,0", "train --pk 8", "train --pk 8,x", "train --pk 100000,100000", "train --seed -1",
        "train --seed 99999999999999999999999", "train --train-limit -5", "train --color-strength -1",
        "train --model vgg", "train --schedule wavy", "train --data", "train --method",
        "train --method triplet --miner nope", "train --resume --out /nonexistent/dir", "eval", "eval /",
        "embed /nonexistent", "plot /dev/null", "retrieve / --query -3", "augment --data cifar10 --views 0",
        "train --out /proc/contrast-run --data mnist-sample --epochs 1",
        // an --out that cannot be created: with `make data` run, ./data/mnist is found anyway (the
        // search goes on after --data-dir), and this line must not start a real training run
        "train --data-dir /nonexistent --data mnist --out /proc/contrast-run"};
    for (const char* line : lines) {
        const Result r = run(line);
        INFO("contrast " << line << "\n" << r.output);
        CHECK(r.exit_code > 0);
        CHECK(r.output.size() < 2000);
        for (const char* leak : {"std::", "bad_alloc", "terminate called", "what()", "parse_error", "Aborted"})
            CHECK(r.output.find(leak) == std::string::npos);
    }
    CHECK(run("train --out /proc/contrast-run --data mnist-sample --epochs 1").output.find(
              "--out /proc/contrast-run: cannot create the run directory") != std::string::npos);
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

TEST_CASE("cli: huge numbers in flags are refused naming the flag and its bound") {
    struct Case { const char* args; const char* message; };
    const Case cases[] = {
        {"--batch-size 1000000000000", "--batch-size: must be at most 65536, got 1000000000000"},
        {"--embedding-dim 100000000000", "--embedding-dim: must be at most 16384, got 100000000000"},
        {"--epochs 99999999999999999999", "--epochs: must be at most 100000, got 99999999999999999999"},
        {"--width 5000", "--width: must be at most 1024, got 5000"},
        {"--threads 0", "--threads: must be >= 1, got 0"},
        {"--workers 1000", "--workers: must be at most 64, got 1000"},
        {"--train-limit 99999999999", "--train-limit: must be at most 1000000000, got 99999999999"},
        {"--lr 1e400", "--lr: must be at most 1000000, got 1e400"},
        {"--pk 100000,2", "--pk 100000,2: P must be at most 4096, got 100000"},
        {"--pk 4096,4096", "P x K = 16777216 images per batch"},
        {"--seed -3", "--seed: must be >= 0, got -3"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.args);
        const Result r = run(std::string("train --out /tmp/contrast_cli_unused ") + c.args);
        INFO(r.output);
        CHECK(r.exit_code != 0);
        CHECK(r.output.find(c.message) != std::string::npos);
        CHECK(r.output.find("bad_alloc") == std::string::npos);
    }
}

TEST_CASE("cli: a warm-up as long as the run is refused when given, shortened when it is a method's default") {
    TempDir tmp("warmup");
    const Result given = run("train --method siamese --schedule warmup-cosine --warmup-epochs 2 --epochs 2 --out " +
                             tmp.str() + "/given " + kMnistTiny);
    CHECK(given.exit_code != 0);
    CHECK(given.output.find("--warmup-epochs 2 must be less than --epochs 2") != std::string::npos);
    CHECK(given.output.find("LrSchedule") == std::string::npos);
    // barlow's recipe warms up for 1 epoch: a 1-epoch run keeps 0 of them (the summary line says so)
    const Result fitted = run("train --method barlow --epochs 1 --batch-size 16 --embedding-dim 16 --out " +
                              tmp.str() + "/fitted " + kMnistTiny);
    INFO(fitted.output);
    CHECK(fitted.exit_code == 0);
    CHECK(fitted.output.find("schedule warmup-cosine, warmup epochs 0") != std::string::npos);
}

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A run directory holding a valid config.json (as `train` writes it) with one field changed.
void write_config(const std::string& dir, const std::string& field, const nlohmann::json& value) {
    fs::create_directories(dir);
    nlohmann::json j = ct::app::to_json(ct::app::defaults_for("siamese", "mnist-sample"));
    j["out"] = dir;
    if (!field.empty()) j[field] = value;
    write_text(dir + "/config.json", j.dump(2));
}

}  // namespace

TEST_CASE("cli: a loaded config.json is checked like the flags, naming the file and the field") {
    TempDir tmp("badconfig");
    const std::string dir = tmp.str() + "/run", file = dir + "/config.json";
    struct Case { const char* field; nlohmann::json value; std::string message; };
    std::string all_methods;   // "siamese|triplet|...", in registry order
    for (const std::string& m : ct::app::methods()) all_methods += (all_methods.empty() ? "" : "|") + m;
    const Case cases[] = {
        {"threads", 0, "field \"threads\" must be >= 1, got 0"},
        {"threads", 100000, "field \"threads\" must be at most 256, got 100000"},
        {"width", -1, "field \"width\" must be > 0, got -1"},
        {"batch_size", 0, "field \"batch_size\" must be > 0, got 0"},
        {"method", "bogus", "field \"method\" must be one of " + all_methods + ", got 'bogus'"},
        {"surprise", 1, "unknown field \"surprise\""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.field);
        write_config(dir, c.field, c.value);
        for (const std::string& cmd : {"eval " + dir, "train --resume --out " + dir, "embed " + dir}) {
            CAPTURE(cmd);
            const Result r = run(cmd);
            INFO(r.output);
            CHECK(r.exit_code == 1);
            CHECK(r.output.find("error: " + file + ": " + c.message) != std::string::npos);
        }
    }
}

TEST_CASE("cli: after a crash before the first checkpoint, both messages say to use --overwrite") {
    TempDir tmp("nocheckpoint");
    const std::string dir = tmp.str() + "/run";
    write_config(dir, "", nullptr);   // what a run leaves when killed before its first save
    Result r = run("train --resume --out " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find(dir + "/last.safetensors: cannot open: the run stopped before its first checkpoint") !=
          std::string::npos);
    CHECK(r.output.find("--overwrite") != std::string::npos);
    r = run("train --method siamese --out " + dir);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("stopped before its first checkpoint") != std::string::npos);
    CHECK(r.output.find("pass --overwrite to start it afresh") != std::string::npos);
    r = run("train --resume --out " + tmp.str() + "/none");
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("no run to resume") != std::string::npos);
    r = run("train --method siamese --batch-size 16 --stop-after-steps 1 --overwrite --out " + dir + " " + kMnistTiny);
    INFO(r.output);
    CHECK(r.exit_code == 0);
}

TEST_CASE("cli: damaged checkpoints are refused naming the file and what is wrong") {
    TempDir tmp("badcheckpoint");
    const std::string dir = tmp.str() + "/run", last = dir + "/last.safetensors";
    const Result made = run("train --method siamese --batch-size 16 --epochs 1 --stop-after-steps 3 --out " + dir + " " + kMnistTiny);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    const ct::nn::SafetensorsFile good = ct::nn::read_safetensors(last);

    struct Case { const char* what; std::function<void(ct::nn::SafetensorsFile&)> damage; std::string message; };
    const Case cases[] = {
        {"no contrast.config", [](ct::nn::SafetensorsFile& f) { f.metadata.erase("contrast.config"); },
         last + ": checkpoint metadata has no 'contrast.config'"},
        {"epoch -5", [](ct::nn::SafetensorsFile& f) { f.metadata["contrast.epoch"] = "-5"; },
         last + ": checkpoint metadata 'contrast.epoch' = -5 is not an epoch"},
        {"step beyond the epoch", [](ct::nn::SafetensorsFile& f) { f.metadata["contrast.step"] = "999"; },
         last + ": checkpoint metadata 'contrast.step' = 999 does not fit epoch 0"},
        {"config not JSON", [](ct::nn::SafetensorsFile& f) { f.metadata["contrast.config"] = "{"; },
         last + ": checkpoint metadata 'contrast.config' is not JSON"},
        {"best missing", [](ct::nn::SafetensorsFile& f) { f.metadata["contrast.config"] = "{\"epoch_loss_sum\": 1}"; },
         last + ": checkpoint metadata 'contrast.config' has no number \"best\""},
        {"NaN weight", [](ct::nn::SafetensorsFile& f) { f.tensors[0].value.data()[0] = std::nanf(""); },
         last + ": tensor '" + good.tensors[0].name + "' holds 1 NaN or infinite values"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        ct::nn::SafetensorsFile f = ct::nn::read_safetensors(last);
        c.damage(f);
        ct::nn::write_safetensors(last, f.tensors, f.metadata);
        const Result r = run("train --resume --out " + dir);
        INFO(r.output);
        CHECK(r.exit_code == 1);
        CHECK(r.output.find("error: " + c.message) != std::string::npos);
        ct::nn::write_safetensors(last, good.tensors, good.metadata);
    }
    // evaluation refuses NaN weights instead of reporting chance-level numbers
    ct::nn::SafetensorsFile f = ct::nn::read_safetensors(last);
    f.tensors[1].value.data()[0] = INFINITY;
    ct::nn::write_safetensors(last, f.tensors, f.metadata);
    const Result e = run("eval " + dir + " --checkpoint last");
    CHECK(e.exit_code == 1);
    CHECK(e.output.find("error: " + last + ": tensor '" + good.tensors[1].name + "' holds 1 NaN or infinite") !=
          std::string::npos);
}

TEST_CASE("cli: kill -9 after the first checkpoint loses nothing: --resume finishes like an uninterrupted run") {
    TempDir tmp("kill");
    const std::string args = "train --method siamese --batch-size 16 --epochs 3 " + kMnistTiny;
    const std::string whole = tmp.str() + "/whole", killed = tmp.str() + "/killed";
    REQUIRE(run(args + " --out " + whole).exit_code == 0);

    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {   // the child: the same run, its output discarded
        const std::string cmd = "exec " + contrast_binary() + " " + args + " --out " + killed + " >/dev/null 2>&1";
        execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
        _exit(127);
    }
    // kill it as soon as its first checkpoint exists (atomic: the name appears only when complete)
    for (int i = 0; i < 12000 && !fs::exists(killed + "/last.safetensors"); ++i) usleep(10000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(fs::exists(killed + "/last.safetensors"));

    const Result resumed = run("train --resume --out " + killed);
    INFO(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    const auto a = losses_of(whole + "/metrics.csv"), b = losses_of(killed + "/metrics.csv");
    REQUIRE(a.size() == 3);
    CHECK(a == b);   // an epoch killed between its row and its checkpoint is run again, its row written once
}

TEST_CASE("cli: a failing disk keeps the last checkpoint intact") {
    // A full disk simulated by a file-size limit (ulimit -f, SIGXFSZ ignored): writes past 1 MB fail
    // with EFBIG as they would with ENOSPC; a checkpoint here is ~10 MB.
    TempDir tmp("fulldisk");
    const std::string dir = tmp.str() + "/run", last = dir + "/last.safetensors";
    const std::string args = "train --method siamese --batch-size 16 --epochs 1 " + kMnistTiny + " --out " + dir;
    REQUIRE(run(args).exit_code == 0);
    const std::string before = read_text(last);
    const Result r = run_shell("trap '' XFSZ; ulimit -f 1024; " + contrast_binary() + " train --resume --epochs 2 --out " + dir);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("error: safetensors: cannot write " + last) != std::string::npos);
    CHECK(read_text(last) == before);
    for (const auto& entry : fs::directory_iterator(dir))   // no temporary file left behind
        CHECK_MESSAGE(entry.path().string().find(".tmp") == std::string::npos, entry.path().string());
    const Result again = run("train --resume --epochs 2 --out " + dir);   // space again: it continues
    INFO(again.output);
    CHECK(again.exit_code == 0);
    CHECK(losses_of(dir + "/metrics.csv").size() == 2);
}
