// Data-parallel training over MPI. Alone (this process has no launcher, so it is rank 0 of 1):
// all_gather is the identity with an identity backward, and every global-batch loss is its plain
// twin. With 2 real ranks, through `mpirun -np 2` over shared memory: build/mpi_driver (tests/mpi/)
// checks each loss's value and input gradients and an SGD step against the 1-process run, and that
// a killed or failing rank stops the run within seconds; the CLI trains with 2 ranks, rank 0 alone
// writing, and refuses ranks started with different flags, naming the flag; the text methods
// (simcse, sts-regression) train with 2 ranks as with 1.
// If mpirun is missing or cannot start 2 ranks here, the mpirun cases FAIL saying so: they never
// pass silently.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/contrast/text_method.h"
#include "core/distributed.h"
#include "core/ops.h"
#include "core/random.h"
#include "losses/global_batch.h"
#include "losses/nt_xent.h"
#include "nn/batchnorm.h"
#include "nn/distributed.h"
#include "nn/momentum.h"
#include "tests/tiny_stsb.h"

namespace fs = std::filesystem;
using namespace ct;

namespace {

struct Result {
    int exit_code;
    std::string output;   // stdout and stderr together
    double seconds;
};

Result run_shell(const std::string& command) {
    const auto start = std::chrono::steady_clock::now();
    FILE* pipe = popen(("{ " + command + "; } 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = pclose(pipe);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, s};
}

std::string beside_tests(const std::string& name) {
    return (fs::read_symlink("/proc/self/exe").parent_path() / name).string();
}

// mpirun for K local ranks over shared memory, usable in a container: root needs
// --allow-run-as-root; plm_rsh_agent=false lets OpenMPI start where no ssh is installed (local
// ranks are forked, the agent is never run); a 60 s timeout turns a hang into a failure. Under
// make debug, LeakSanitizer skips what OpenMPI keeps until exit (tests/mpi/lsan.supp; components
// stay loaded so that their frames have names to match).
std::string mpirun(int ranks) {
    std::string here = __FILE__;   // tests/test_distributed.cpp, relative to the repository root the tests run in
    const std::string supp = here.substr(0, here.rfind("tests/")) + "tests/mpi/lsan.supp";
    std::string cmd = "OMPI_MCA_plm_rsh_agent=false OMPI_MCA_mca_base_component_disable_dlclose=1 "
                      "LSAN_OPTIONS=suppressions=" + supp + ":fast_unwind_on_malloc=0 "
                      "timeout 60 mpirun --oversubscribe --mca btl self,vader -np " + std::to_string(ranks);
    if (geteuid() == 0) cmd += " --allow-run-as-root";
    return cmd;
}

// Fails, saying why, unless mpirun can start 2 ranks here.
void require_mpirun() {
    const Result which = run_shell("command -v mpirun");
    REQUIRE_MESSAGE(which.exit_code == 0, "mpirun not found: install openmpi-bin (make deps); the 2-rank tests cannot run");
    const Result hello = run_shell(mpirun(2) + " true");
    REQUIRE_MESSAGE(hello.exit_code == 0, "mpirun cannot start 2 ranks here, so the 2-rank tests cannot run:\n"
                                              << hello.output);
}

// The tiny MNIST run of tests/test_cli.cpp, one thread per rank.
const std::string kMnistTiny = "--data mnist-sample --train-limit 400 --test-limit 100 --threads 1 --workers 1";

}  // namespace

TEST_CASE("distributed: alone, the process is rank 0 of 1 and never starts MPI") {
    CHECK(dist::world_size() == 1);
    CHECK(dist::rank() == 0);
    CHECK(dist::is_main());
    CHECK_FALSE(dist::launched());
    CHECK(dist::allreduce_sum(int64_t(5)) == 5);   // the sum over one rank
}

TEST_CASE("distributed: all_gather of one rank is x, and its gradient is dy") {
    Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {3, 2}).requires_grad_();
    std::vector<int64_t> rows;
    Tensor y = all_gather(x, &rows);
    CHECK(y.shape() == Shape{3, 2});
    CHECK(y.to_vector() == x.to_vector());
    CHECK(rows == std::vector<int64_t>{3});
    // L = sum(y * w): dL/dx = w (one rank: the sum over ranks is the one term)
    const Tensor w = Tensor::from_vector({0.5f, -1, 2, 0, 3, 1}, {3, 2});
    sum(y * w).backward();
    CHECK(x.grad().to_vector() == w.to_vector());
    CHECK_THROWS_WITH_AS(all_gather(Tensor::scalar(1.f)), doctest::Contains("at least one dimension"), ShapeError);
}

TEST_CASE("distributed: alone, each global-batch loss is its plain loss") {
    Generator g(4);
    const Tensor a = Tensor::randn({6, 3}, g), b = Tensor::randn({6, 3}, g);
    const std::vector<int64_t> labels{0, 1, 0, 1, 2, 2};
    CHECK(global_nt_xent_loss(a, b, 0.5f).item() == nt_xent_loss(a, b, 0.5f).item());
    CHECK(global_info_nce(a, b, 0.5f).item() == info_nce(a, b, Tensor(), 0.5f).item());
    CHECK(global_supcon_loss({a, b}, labels, {}).item() == supcon_loss(std::vector<Tensor>{a, b}, labels, {}).item());
    CHECK(global_contrastive_loss_pml(a, labels).item() == contrastive_loss_pml(a, labels).item());
    CHECK(global_batch_all_triplet_loss(a, labels, {}).item() == batch_all_triplet_loss(a, labels, {}).item());
    // global_reduce over one rank: K = 1, so the mean of (1, 3, 0) is 4/3 and over the non-zero 4/2
    const Tensor t = Tensor::from_vector({1, 3, 0});
    CHECK(global_reduce(t, Reduction::Mean, t).item() == doctest::Approx(4.0 / 3));
    CHECK(global_reduce(t, Reduction::MeanNonZero, t).item() == doctest::Approx(2.0));
    CHECK(global_reduce(t, Reduction::Sum, t).item() == doctest::Approx(4.0));
    CHECK(global_reduce(Tensor(), Reduction::Mean, t).item() == 0.f);   // no term anywhere: 0
}

TEST_CASE("distributed: alone, gradient averaging leaves the gradients as they are") {
    Tensor p = Tensor::from_vector({1, 2}).requires_grad_();
    sum(p * p).backward();   // dp = 2p = (2, 4)
    nn::GradientAverager averager({p});
    averager.average();
    CHECK(p.grad().to_vector() == std::vector<float>{2, 4});
    CHECK(averager.bytes_per_step() == 8);
}

TEST_CASE("distributed: --sync-bn reaches the BatchNorm layers of a momentum copy (BYOL's target, MoCo's keys)") {
    const auto make = [] { return std::make_shared<nn::BatchNorm1d>(3); };
    const auto online = make(), copied = make();
    nn::MomentumCopy target(online, copied);
    CHECK(nn::convert_sync_batchnorm(target) == 1);   // the copy's one layer, not a child of target
    CHECK(copied->sync);
    CHECK_FALSE(online->sync);   // the online network is converted where it is a child: not here
}

TEST_CASE("distributed: 2 ranks: every global-batch loss, and sync BatchNorm, with gradients equal the 1-process run") {
    require_mpirun();
    const Result r = run_shell(mpirun(2) + " " + beside_tests("mpi_driver") + " losses");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    for (const char* loss : {"nt_xent", "info_nce", "supcon", "triplet semihard", "triplet all", "triplet batch-hard",
                             "triplet batch-all", "contrastive (pml, all pairs)", "contrastive (Hadsell pairs)",
                             "barlow twins", "vicreg", "proxy-anchor"}) {
        CHECK(r.output.find(std::string("ok ") + loss + ": mean over ranks of the loss") != std::string::npos);
        CHECK(r.output.find(std::string("ok ") + loss + ": the gradient of each rank") != std::string::npos);
    }
    CHECK(r.output.find("ok proxy-anchor: each rank's proxy gradient = the 1-process one") != std::string::npos);
    for (const char* check : {"each rank's output rows", "each rank's input gradient", "the ranks' weight gradients",
                              "running mean and variance"})
        CHECK(r.output.find(std::string("ok sync_batch_norm: ") + check) != std::string::npos);
    CHECK(r.output.find("ranks 2, failures 0") != std::string::npos);
}

TEST_CASE("distributed: 2 ranks: SGD steps with averaged gradients give the 1-process weights") {
    require_mpirun();
    const Result r = run_shell(mpirun(2) + " " + beside_tests("mpi_driver") + " sgd");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("ok sgd: two steps on K shards") != std::string::npos);
    CHECK(r.output.find("ok sgd with 2 sync BatchNorms") != std::string::npos);
}

TEST_CASE("distributed: 2 ranks: a rank killed or failing mid-step stops the run within seconds") {
    require_mpirun();
    const Result killed = run_shell(mpirun(2) + " " + beside_tests("mpi_driver") + " kill");
    INFO(killed.output);
    CHECK(killed.exit_code != 0);
    CHECK(killed.exit_code != 124);   // not the 60 s timeout: mpirun itself ended the run
    CHECK(killed.seconds < 15);
    CHECK(killed.output.find("without the failure") == std::string::npos);

    const Result failed = run_shell(mpirun(2) + " " + beside_tests("mpi_driver") + " error");
    INFO(failed.output);
    CHECK(failed.exit_code != 0);
    CHECK(failed.exit_code != 124);
    CHECK(failed.seconds < 15);
    CHECK(failed.output.find("error (rank 1 of 2): a deliberate failure on rank 1 at step 3") != std::string::npos);
}

TEST_CASE("distributed: 2 ranks: contrast train writes the run from rank 0, and refuses mismatched ranks by flag") {
    require_mpirun();
    const fs::path dir = fs::temp_directory_path() / ("contrast_mpi_" + std::to_string(getpid()));
    fs::remove_all(dir);
    const std::string contrast = beside_tests("contrast");
    const std::string train = contrast + " train --method simclr --model e1 --batch-size 32 --epochs 1 " + kMnistTiny;
    // --sync-bn: E1 has no BatchNorm, so the flag is accepted and finds 0 layers to convert
    const Result r = run_shell(mpirun(2) + " " + train + " --sync-bn --out " + dir.string() + "/run");
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("parallel   2 ranks (MPI), each 16 of every global batch") != std::string::npos);
    CHECK(r.output.find("BatchNorm over the global batch (--sync-bn, 0 layers)") != std::string::npos);
    CHECK(r.output.find("all-reduce") != std::string::npos);
    for (const char* f : {"config.json", "metrics.csv", "last.safetensors", "loss.png"})
        CHECK_MESSAGE(fs::exists(dir / "run" / f), f);
    // rank 1 printed nothing to stdout: the summary appears once
    CHECK(r.output.find("finished:") == r.output.rfind("finished:"));

    // MPMD launch: rank 0 and rank 1 get different --lr
    const std::string base = contrast + " train --method simclr --model e1 --batch-size 32 --epochs 1 " + kMnistTiny +
                             " --out " + dir.string() + "/mismatch";
    std::string two = mpirun(1) + " " + base + " --lr 0.1 : -np 1 " + base + " --lr 0.2";
    const Result m = run_shell(two);
    INFO(m.output);
    CHECK(m.exit_code != 0);
    CHECK(m.output.find("the ranks of this run differ: --lr (rank 0: 0.1") != std::string::npos);
    CHECK(m.output.find("rank 1: 0.2") != std::string::npos);

    // 3 ranks cannot share a batch of 32
    const Result odd = run_shell(mpirun(3) + " " + train + " --out " + dir.string() + "/odd");
    INFO(odd.output);
    CHECK(odd.exit_code != 0);
    CHECK(odd.output.find("does not split over 3 ranks") != std::string::npos);
    fs::remove_all(dir);
}

namespace {
std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

// 1,000 training and 600 test images: with eval's batches of 500 each rank embeds one training
// batch and the test set splits 500 / 100, so both ranks work and the batches are the 1-process ones.
TEST_CASE("distributed: 2 ranks: contrast eval, embed, plot and retrieve share the embedding; eval.json = 1 process") {
    require_mpirun();
    const fs::path dir = fs::temp_directory_path() / ("contrast_mpi_eval_" + std::to_string(getpid()));
    fs::remove_all(dir);
    const std::string contrast = beside_tests("contrast"), run = (dir / "run").string();
    const Result t = run_shell(contrast + " train --method simclr --model e1 --batch-size 200 --epochs 1 --data "
                               "mnist-sample --train-limit 1000 --test-limit 600 --threads 1 --workers 1 --out " + run);
    REQUIRE_MESSAGE(t.exit_code == 0, t.output);
    const std::string eval = " eval " + run + " --probe-epochs 20";
    const Result one = run_shell(contrast + eval);
    REQUIRE_MESSAGE(one.exit_code == 0, one.output);
    const nlohmann::json alone = nlohmann::json::parse(read_file(dir / "run" / "eval.json"));
    const Result e1 = run_shell(contrast + " embed " + run);
    REQUIRE_MESSAGE(e1.exit_code == 0, e1.output);
    const std::string npy_alone = read_file(dir / "run" / "test_embeddings.npy");
    fs::remove(dir / "run" / "eval.json");
    fs::remove(dir / "run" / "test_embeddings.npy");

    const Result two = run_shell(mpirun(2) + " " + contrast + eval);
    INFO(two.output);
    REQUIRE(two.exit_code == 0);
    CHECK(two.output.find("embedded by 2 ranks") != std::string::npos);
    CHECK(two.output.find("MAP@R") == two.output.rfind("MAP@R"));   // rank 1 printed nothing
    const nlohmann::json ranks = nlohmann::json::parse(read_file(dir / "run" / "eval.json"));
    CHECK(alone.contains("linear_probe_accuracy"));
    for (auto it = alone.begin(); it != alone.end(); ++it) {
        INFO(it.key());
        REQUIRE(ranks.contains(it.key()));
        if (it.value().is_number()) CHECK(ranks[it.key()].get<double>() == doctest::Approx(it.value().get<double>()).epsilon(1e-6));
        else CHECK(ranks[it.key()] == it.value());
    }
    // the same batches, so the same bits
    const Result e2 = run_shell(mpirun(2) + " " + contrast + " embed " + run);
    INFO(e2.output);
    CHECK(e2.exit_code == 0);
    CHECK(read_file(dir / "run" / "test_embeddings.npy") == npy_alone);

    const Result p = run_shell(mpirun(2) + " " + contrast + " plot " + run + " && " + mpirun(2) + " " + contrast +
                               " retrieve " + run);
    INFO(p.output);
    CHECK(p.exit_code == 0);
    CHECK(fs::exists(dir / "run" / "embedding.png"));
    CHECK(fs::exists(dir / "run" / "retrieval.png"));
    CHECK(p.output.find("wrote") != std::string::npos);
    // a command that does not shard refuses, naming itself
    const Result c = run_shell(mpirun(2) + " " + contrast + " compare " + run);
    INFO(c.output);
    CHECK(c.exit_code != 0);
    CHECK(c.output.find("contrast compare does not split its work over ranks") != std::string::npos);
    fs::remove_all(dir);
}

// The text methods with no randomness left (--dropout 0, views = the sentence itself): 2 ranks,
// each half of every global batch of 8, train as 1 process does. SimCSE's negatives are the whole
// global batch (global_info_nce), so the epoch losses agree; so do the dev Spearman and the weights.
TEST_CASE("distributed: 2 ranks: simcse and sts-regression train as 1 process; an odd --batch-size is refused") {
    require_mpirun();
    const TinyStsb data("contrast_mpi_text");
    const std::string contrast = beside_tests("contrast");
    const std::string small = "--data-dir " + data.root.string() + " --embedding-dim 16 --max-tokens 8 --threads 1";
    for (const std::string method : {"simcse", "sts-regression"}) {
        INFO(method);
        const std::string train = contrast + " train --method " + method + " " + small +
                                  " --batch-size 8 --epochs 2 --dropout 0 --text-views dropout --out ";
        const std::string one = (data.root / (method + "_1")).string(), two = (data.root / (method + "_2")).string();
        const Result r1 = run_shell(train + one);
        REQUIRE_MESSAGE(r1.exit_code == 0, r1.output);
        const Result r2 = run_shell(mpirun(2) + " " + train + two);
        INFO(r2.output);
        REQUIRE(r2.exit_code == 0);
        CHECK(r2.output.find("parallel   2 ranks (MPI), each 4 of every global batch") != std::string::npos);
        CHECK(r2.output.find("BatchNorm") == std::string::npos);   // the encoder has none: not mentioned
        CHECK(r2.output.find("finished:") == r2.output.rfind("finished:"));   // rank 1 printed nothing
        for (const char* f : {"config.json", "vocab.txt", "metrics.csv", "last.safetensors", "best.safetensors"})
            CHECK_MESSAGE(fs::exists(fs::path(two) / f), f);
        // metrics.csv: epoch,loss,dev_spearman_x100,... ; two epochs each
        std::istringstream a(read_file(fs::path(one) / "metrics.csv")), b(read_file(fs::path(two) / "metrics.csv"));
        std::string la, lb;
        std::getline(a, la);
        std::getline(b, lb);
        int rows = 0;
        while (std::getline(a, la) && std::getline(b, lb)) {
            double ea, lossa, deva, eb, lossb, devb;
            char comma;
            std::istringstream(la) >> ea >> comma >> lossa >> comma >> deva;
            std::istringstream(lb) >> eb >> comma >> lossb >> comma >> devb;
            CHECK(eb == ea);
            CHECK(lossb == doctest::Approx(lossa).epsilon(1e-4));
            CHECK(devb == doctest::Approx(deva).epsilon(1e-3));
            ++rows;
        }
        CHECK(rows == 2);
        const app::LoadedTextRun w1 = app::load_text_run(one, "last"), w2 = app::load_text_run(two, "last");
        const std::vector<Tensor> p1 = w1.encoder->parameters(), p2 = w2.encoder->parameters();
        REQUIRE(p1.size() == p2.size());
        double largest = 0;
        for (size_t i = 0; i < p1.size(); ++i)
            for (int64_t j = 0; j < p1[i].numel(); ++j)
                largest = std::max(largest, double(std::abs(p1[i].data()[j] - p2[i].data()[j])));
        // Not bit for bit: the 2-rank sums round differently, and Adam's g / sqrt(v) turns that rounding
        // into up to ~lr on a parameter whose gradient is near 0 (measured: 2.8e-4 after 12 steps at lr 1e-3).
        CHECK(largest < 1e-3);
    }
    const Result odd = run_shell(mpirun(2) + " " + contrast + " train --method simcse " + small +
                                 " --batch-size 7 --epochs 1 --out " + (data.root / "odd").string());
    INFO(odd.output);
    CHECK(odd.exit_code != 0);
    CHECK(odd.output.find("--batch-size 7 does not split over 2 ranks") != std::string::npos);
}
