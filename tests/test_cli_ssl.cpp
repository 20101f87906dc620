// The self-supervised methods of the `contrast` CLI tested in process on tiny random data: each
// trains a few steps with a finite loss; the predictor joins the optimizer while the momentum copy
// gets no gradient and follows the EMA formula; MoCo's queue takes the step's keys; a checkpoint
// restores the target, queue and predictor exactly; bad settings are refused naming the flag.
// The command line itself (every method trains an epoch, resume) is tested in test_cli.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "apps/contrast/method.h"
#include "apps/contrast/self_supervised.h"
#include "core/autograd.h"
#include "core/random.h"
#include "nn/checkpoint.h"

using namespace ct;
using namespace ct::app;

namespace {

const char* kSelfSupervised[] = {"moco", "byol", "simsiam", "barlow", "vicreg"};

// 16 random 3x32x32 images of 2 classes: only the shapes matter here.
Dataset tiny_data() {
    Dataset d;
    d.name = "tiny";
    d.channels = 3, d.height = 32, d.width = 32;
    Generator gen(5);
    for (int i = 0; i < 16 * 3 * 32 * 32; ++i) d.pixels.push_back(uint8_t(gen.randint(256)));
    for (int i = 0; i < 16; ++i) d.labels.push_back(i % 2);
    d.classes = {"a", "b"};
    return d;
}

RunConfig tiny_config(const std::string& method, uint64_t seed = 0) {
    RunConfig c = defaults_for(method, "cifar10");
    c.width = 4;
    c.embedding_dim = 16;
    c.batch_size = 8;
    c.queue_size = 40;
    c.epochs = 1;
    c.seed = seed;
    find_method(method).finish(c);
    return c;
}

// A model, its objective and an optimizer over the network and the extras' parameters, as train.cpp builds them.
struct Trainer {
    Model m;
    std::unique_ptr<Objective> objective;
    std::unique_ptr<nn::Optimizer> opt;
    Trainer(const RunConfig& c, const Dataset& train) {
        Generator gen(c.seed);
        const Method& method = find_method(c.method);
        m = method.model(c, train, gen);
        objective = method.objective(c, m, train);
        opt = build_optimizer(c, param_groups(c, *m.net, objective->extras(), objective->extras_lr_mult()));
    }
    nn::ModulePtr saved() const { return checkpointed(m.net, objective->extras()); }
    float step(const Batch& b) {
        Tensor loss = objective->loss(m, b);
        opt->zero_grad();
        loss.backward();
        opt->step();
        NoGradGuard no_grad;
        objective->after_step();
        return loss.item();
    }
};

Batch two_views(uint64_t seed) {   // 2 x 8 images, as the loader's two strong views give them
    Generator gen(seed);
    Batch b;
    b.images = Tensor::randn({16, 3, 32, 32}, gen);
    b.views = 2;
    return b;
}

const Tensor& tensor_named(const nn::NamedTensors& all, const std::string& name) {
    for (const auto& entry : all)
        if (entry.first == name) return entry.second;
    FAIL("no tensor " << name);
    return all.front().second;
}

}  // namespace

TEST_CASE("cli ssl: each method trains a few steps with a finite loss; only the predictor joins the optimizer") {
    const Dataset train = tiny_data();
    for (const char* method : kSelfSupervised) {
        CAPTURE(method);
        Trainer t(tiny_config(method), train);
        const nn::NamedTensors state = t.saved()->state_dict();   // handles: they see the steps' changes
        std::vector<std::vector<float>> first;
        for (const auto& entry : state) first.push_back(entry.second.to_vector());
        for (int step = 0; step < 3; ++step) CHECK(std::isfinite(t.step(two_views(10 + step))));
        const nn::ModulePtr extras = t.objective->extras();
        const bool has_predictor = std::string(method) == "byol" || method == std::string("simsiam");
        CHECK(bool(extras) == (has_predictor || method == std::string("moco")));
        if (!extras) continue;
        // trained extras: the predictor's parameters, each with a gradient from the last step
        for (const auto& [name, p] : extras->named_parameters()) {
            CAPTURE(name);
            CHECK(name.rfind("predictor.", 0) == 0);
            CHECK(p.grad().defined());
        }
        CHECK(extras->named_parameters().empty() == !has_predictor);
        // momentum copies and queues are buffers without gradients; everything moved but the counters
        for (const auto& [name, b] : extras->named_buffers()) {
            CAPTURE(name);
            CHECK_FALSE(b.requires_grad());
            CHECK_FALSE(b.grad().defined());
        }
        for (size_t i = 0; i < state.size(); ++i) {
            const std::string& name = state[i].first;
            if (name.find("weight") == std::string::npos || name.find("method.") != 0) continue;
            CAPTURE(name);
            CHECK(state[i].second.to_vector() != first[i]);   // predictor trained, target followed
        }
    }
}

TEST_CASE("cli ssl: the momentum copy follows target = tau target + (1 - tau) online") {
    const Dataset train = tiny_data();
    for (const char* method : {"byol", "moco"}) {
        CAPTURE(method);
        const RunConfig c = tiny_config(method);
        Trainer t(c, train);
        const std::string copy = method == std::string("byol") ? "method.target." : "method.key_encoder.";
        const std::string name = "encoder.0.weight";   // E2's first convolution
        const std::vector<float> target_before = tensor_named(t.saved()->state_dict(), copy + name).to_vector();
        CHECK(target_before == tensor_named(t.m.net->state_dict(), name).to_vector());   // starts as the online one
        t.step(two_views(20));
        const std::vector<float> online = tensor_named(t.m.net->state_dict(), name).to_vector();
        const std::vector<float> target = tensor_named(t.saved()->state_dict(), copy + name).to_vector();
        // BYOL's momentum at step 0 of its cosine schedule is --ema itself; MoCo's is constant
        const double tau = c.ema;
        int differ = 0;
        for (size_t i = 0; i < target.size(); ++i) {
            differ += online[i] != target_before[i];
            CHECK(target[i] == doctest::Approx(tau * target_before[i] + (1 - tau) * online[i]).epsilon(1e-5));
        }
        CHECK(differ > 0);   // the online weights moved, so the check above is not 0 = 0
    }
    CHECK(cosine_momentum(0.99f, 0, 100) == doctest::Approx(0.99));
    CHECK(cosine_momentum(0.99f, 50, 100) == doctest::Approx(0.995));   // cos(pi/2) = 0: halfway
    CHECK(cosine_momentum(0.99f, 100, 100) == 1.f);
}

TEST_CASE("cli ssl: MoCo's queue takes each step's keys, oldest first, cyclically") {
    const Dataset train = tiny_data();
    const RunConfig c = tiny_config("moco");   // queue 40, 2 x 8 keys a step
    Trainer t(c, train);
    const std::vector<float> initial = tensor_named(t.saved()->state_dict(), "method.queue").to_vector();
    const int64_t D = c.embedding_dim;
    for (int step = 0; step < 3; ++step) t.step(two_views(30 + step));
    const nn::NamedTensors state = t.saved()->state_dict();
    const std::vector<float> queue = tensor_named(state, "method.queue").to_vector();
    CHECK(tensor_named(state, "method.queue_next").item() == 8.f);   // 48 keys into 40 rows: row 8 is next
    for (int64_t row = 0; row < 40; ++row) {
        CAPTURE(row);
        double norm = 0;
        bool changed = false;
        for (int64_t k = 0; k < D; ++k) {
            norm += double(queue[size_t(row * D + k)]) * queue[size_t(row * D + k)];
            changed = changed || queue[size_t(row * D + k)] != initial[size_t(row * D + k)];
        }
        CHECK(norm == doctest::Approx(1.0).epsilon(1e-4));   // keys are unit vectors
        CHECK(changed);   // 48 >= 40: every random starting key has been replaced
    }
}

TEST_CASE("cli ssl: a checkpoint restores the momentum copy, the queue and the predictor exactly") {
    const Dataset train = tiny_data();
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("contrast_ssl_" + std::to_string(getpid()) + ".safetensors")).string();
    for (const char* method : kSelfSupervised) {
        CAPTURE(method);
        Trainer a(tiny_config(method), train);
        for (int step = 0; step < 2; ++step) a.step(two_views(40 + step));
        nn::save_checkpoint(path, *a.saved());
        Trainer b(tiny_config(method, 99), train);   // another seed: other weights, queue, predictor
        nn::load_checkpoint(path, *b.saved());
        const nn::NamedTensors sa = a.saved()->state_dict(), sb = b.saved()->state_dict();
        REQUIRE(sa.size() == sb.size());
        int extras = 0;
        for (size_t i = 0; i < sa.size(); ++i) {
            CAPTURE(sa[i].first);
            CHECK(sa[i].first == sb[i].first);
            CHECK(sa[i].second.to_vector() == sb[i].second.to_vector());
            extras += sa[i].first.rfind("method.", 0) == 0;
        }
        const std::string m = method;
        CHECK((extras > 0) == (m == "moco" || m == "byol" || m == "simsiam"));
        // the restored state is the one in use: the next step gives the same loss in both
        CHECK(a.step(two_views(50)) == b.step(two_views(50)));
    }
    std::remove(path.c_str());
}

TEST_CASE("cli ssl: bad settings name the flag and the valid range") {
    auto flag_error = [](const std::string& name, const std::string& text) {
        const Field& f = config_field(name);
        std::string error;
        const nlohmann::json v = f.parse_text(text, error);
        return error.empty() ? f.check(v, text) : error;
    };
    CHECK(flag_error("queue_size", "0") == "must be >= 1, got 0");
    CHECK(flag_error("queue_size", "99999999") == "must be at most 262144, got 99999999");
    CHECK(flag_error("ema", "1.5") == "must be at most 1, got 1.5");
    CHECK(flag_error("ema", "-0.1") == "must be >= 0, got -0.1");
    CHECK(flag_error("barlow_lambda", "-1") == "must be >= 0, got -1");
    CHECK(flag_error("vicreg_variance", "x") == "expected a number, got 'x'");
    CHECK(flag_error("crop_scale", "0") == "must be >= 0.01, got 0");
    CHECK(flag_error("crop_scale", "1.5") == "must be at most 1, got 1.5");
    // a config.json written before these fields existed loads with their defaults
    nlohmann::json old = to_json(defaults_for("simclr", "cifar10"));
    for (const char* f : {"queue_size", "ema", "barlow_lambda", "vicreg_invariance", "vicreg_variance", "vicreg_covariance",
                          "crop_scale"})
        CHECK(old.erase(f) == 1);
    const RunConfig loaded = from_json(old, "old/config.json");
    CHECK(loaded.queue_size == 4096);
    CHECK(loaded.vicreg_covariance == 1.f);
    CHECK(loaded.crop_scale == 0.08f);
    old["queue_size"] = 0;
    CHECK_THROWS_WITH_AS(from_json(old, "old/config.json"),
                         doctest::Contains("old/config.json: field \"queue_size\" must be >= 1, got 0"), IoError);
    for (const char* method : {"barlow", "vicreg"}) {
        RunConfig c = defaults_for(method, "cifar10");
        c.batch_size = 1;
        CHECK_THROWS_WITH_AS(find_method(method).finish(c),
                             doctest::Contains(("--batch-size 1: " + std::string(method) + " needs at least 2 images per view").c_str()),
                             ValueError);
    }
}

TEST_CASE("cli ssl: the collapse warning's hint and threshold fit the method") {
    // Each self-supervised method names its own remedy in the hint, with the flag that controls it.
    const std::pair<const char*, const char*> remedies[] = {
        {"moco", "--queue-size"}, {"byol", "--ema"}, {"simsiam", "predictor"}, {"barlow", "--barlow-lambda"}, {"vicreg", "--vicreg-variance"}};
    for (const auto& remedy : remedies) {
        const std::string method = remedy.first, flag = remedy.second;
        CAPTURE(method);
        const std::string hint = find_method(method).collapse_hint(defaults_for(method, "cifar10"));
        CHECK(hint.find(flag) != std::string::npos);
        CHECK(find_method(method).collapse_min_spread() == doctest::Approx(1e-4));   // scale-free methods: rounding only
    }
    // The triplet loss compares unit-vector distances with a margin: 1% of the length is collapse for it.
    CHECK(find_method("triplet").collapse_min_spread() == doctest::Approx(0.01));
}
