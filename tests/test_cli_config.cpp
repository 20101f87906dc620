// The `contrast` CLI's pieces tested in process: the table of settings (each field's bounds, the
// same checks on a flag's text and on a loaded config.json, unknown and missing fields), the method
// registry (every method's defaults are valid settings), and the checkpoint view that carries a
// method's extra state. The command line itself is tested in test_cli.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "apps/contrast/config.h"
#include "apps/contrast/method.h"
#include "apps/contrast/setup.h"
#include "core/check.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"

using namespace ct;
using namespace ct::app;
using json = nlohmann::json;

namespace {

// A valid config.json with one field replaced (or removed when value is null and remove is set).
std::string config_with(const std::string& field, const json& value, bool remove = false) {
    json j = to_json(defaults_for("siamese", "mnist"));
    if (remove) j.erase(field);
    else j[field] = value;
    return j.dump();
}

std::string flag_error(const std::string& name, const std::string& text) {
    const Field& f = config_field(name);
    std::string error;
    const json v = f.parse_text(text, error);
    return error.empty() ? f.check(v, text) : error;
}

}  // namespace

TEST_CASE("cli config: the registry holds the methods the tests cover") {
    // A new method adds its name here and a case to test_cli.cpp's "every method trains" table.
    const std::vector<std::string> expected{"siamese", "triplet", "simclr", "supcon", "classifier", "proxy",
                                          "moco", "byol", "simsiam", "barlow", "vicreg", "simcse", "sts-regression"};
    CHECK(methods() == expected);
    for (const std::string& m : methods()) CHECK(find_method(m).name() == m);
    CHECK_THROWS_WITH_AS(find_method("bogus"), doctest::Contains("--method bogus is not one of: siamese|triplet"),
                         ValueError);
}

TEST_CASE("cli config: every method's defaults are valid settings and survive config.json") {
    for (const std::string& m : methods())
        for (const char* data : {"mnist", "cifar10"}) {
            CAPTURE(m);
            CAPTURE(data);
            RunConfig c = defaults_for(m, data);
            find_method(m).finish(c);
            const json j = to_json(c);
            for (const Field& f : config_fields()) {
                CAPTURE(f.name);
                REQUIRE(j.contains(f.name));
                CHECK(f.check(j.at(f.name)) == "");
            }
            CHECK(to_json(from_json(j, "x")) == j);
        }
    // the recipes the README quotes
    CHECK(defaults_for("triplet", "mnist").margin == doctest::Approx(0.2));
    CHECK(defaults_for("simclr", "mnist").embedding_dim == 32);
    CHECK(defaults_for("supcon", "cifar10").lr == doctest::Approx(0.12));
    CHECK(defaults_for("classifier", "cifar10").optimizer == "sgd");
    CHECK(defaults_for("siamese", "cifar10").model == "e2");
}

TEST_CASE("cli config: --projector-hidden and --projector-bn shape the head of SimCLR, SupCon and MoCo") {
    Dataset train;   // the encoder is sized from the image shape alone
    train.channels = 3, train.height = 32, train.width = 32;
    train.classes = {"a", "b"};
    auto head_shapes = [&](const RunConfig& c) {
        Generator gen(0);
        const Model m = find_method(c.method).model(c, train, gen);
        REQUIRE(m.with_head);
        std::vector<std::pair<std::string, Shape>> shapes;
        for (const auto& [name, t] : m.with_head->head->named_parameters()) shapes.push_back({name, t.shape()});
        return shapes;
    };
    using Shapes = std::vector<std::pair<std::string, Shape>>;
    for (const char* method : {"simclr", "supcon", "moco"}) {
        CAPTURE(method);
        RunConfig c = defaults_for(method, "cifar10");
        c.width = 4;   // E2 w=4 ends in 4w = 16 features
        c.embedding_dim = 8;
        // the default: Linear(16,16), ReLU, Linear(16,8), both with biases
        CHECK(head_shapes(c) == Shapes{{"0.weight", {16, 16}}, {"0.bias", {16}}, {"2.weight", {8, 16}}, {"2.bias", {8}}});
        // lightly's SimCLR head: Linear(16,32) without bias (BatchNorm's shift replaces it), BatchNorm1d(32), ReLU, Linear(32,8)
        c.projector_hidden = 32;
        c.projector_bn = true;
        CHECK(head_shapes(c) == Shapes{{"0.weight", {32, 16}}, {"1.weight", {32}}, {"1.bias", {32}},
                                       {"3.weight", {8, 32}}, {"3.bias", {8}}});
    }
}

TEST_CASE("cli config: flags are checked against the field table, upper bounds included") {
    CHECK(flag_error("epochs", "0") == "must be > 0, got 0");
    CHECK(flag_error("epochs", "99999999999999999999") == "must be at most 100000, got 99999999999999999999");
    CHECK(flag_error("epochs", "1e3") == "expected an integer, got '1e3'");
    CHECK(flag_error("batch_size", "1000000000000") == "must be at most 65536, got 1000000000000");
    CHECK(flag_error("embedding_dim", "100000000000") == "must be at most 16384, got 100000000000");
    CHECK(flag_error("threads", "100000") == "must be at most 256, got 100000");
    CHECK(flag_error("workers", "-1") == "must be >= 0, got -1");
    CHECK(flag_error("lr", "fast") == "expected a number, got 'fast'");
    CHECK(flag_error("lr", "nan") == "expected a number, got 'nan'");
    CHECK(flag_error("lr", "1e400") == "must be at most 1000000, got 1e400");
    CHECK(flag_error("momentum", "1.5") == "must be at most 1, got 1.5");
    CHECK(flag_error("method", "bogus") == "must be one of siamese|triplet|simclr|supcon|classifier|proxy|moco|byol|simsiam|barlow|vicreg|simcse|sts-regression, got 'bogus'");
    CHECK(flag_error("seed", "18446744073709551615") == "");   // the whole uint64 range
    CHECK(flag_error("seed", "18446744073709551616") == "must be at most 18446744073709551615, got 18446744073709551616");
    CHECK(flag_error("seed", "-1") == "must be >= 0, got -1");
    CHECK(flag_error("out", "") == "must not be empty");
    CHECK(flag_error("batch_size", "65536") == "");
    CHECK(flag_error("queue_size", "300000") == "must be at most 262144, got 300000");   // digits, not 262144 as 2.62e+05
    CHECK(flag_error("projector_hidden", "-1") == "must be >= 0, got -1");

    RunConfig c;
    CHECK_THROWS_WITH_AS(set_pk(c, "8"), doctest::Contains("--pk 8: expected P,K"), ValueError);
    CHECK_THROWS_WITH_AS(set_pk(c, "1,32"), doctest::Contains("--pk 1,32: P must be >= 2, got 1"), ValueError);
    CHECK_THROWS_WITH_AS(set_pk(c, "8,x"), doctest::Contains("--pk 8,x: K expected an integer, got 'x'"), ValueError);
    set_pk(c, "4096,4096");   // each within bounds, the product not
    CHECK_THROWS_WITH_AS(check_consistency(c, ""), doctest::Contains("P x K = 16777216 images per batch"), ValueError);
}

TEST_CASE("cli config: a loaded config.json gets the same checks as the flags, naming file and field") {
    const std::string src = "runs/x/config.json";
    auto error_of = [&](const std::string& text) -> std::string {
        try {
            config_from_json(text, src);
        } catch (const IoError& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_of(config_with("threads", 0)) == src + ": field \"threads\" must be >= 1, got 0");
    CHECK(error_of(config_with("threads", 100000)) == src + ": field \"threads\" must be at most 256, got 100000");
    CHECK(error_of(config_with("width", -1)) == src + ": field \"width\" must be > 0, got -1");
    CHECK(error_of(config_with("batch_size", 0)) == src + ": field \"batch_size\" must be > 0, got 0");
    CHECK(error_of(config_with("method", "bogus")) ==
          src + ": field \"method\" must be one of siamese|triplet|simclr|supcon|classifier|proxy|moco|byol|simsiam|barlow|vicreg|simcse|sts-regression, got 'bogus'");
    CHECK(error_of(config_with("epochs", "5")) == src + ": field \"epochs\" must be an integer, got \"5\"");
    CHECK(error_of(config_with("epochs", 2.5)) == src + ": field \"epochs\" must be an integer, got 2.5");
    CHECK(error_of(config_with("lr", -0.1)) == src + ": field \"lr\" must be > 0, got -0.1");
    CHECK(error_of(config_with("augment", 1)) == src + ": field \"augment\" must be true or false, got 1");
    CHECK(error_of(config_with("margin", 0, true)) == src + ": field \"margin\" is missing");
    CHECK(error_of(config_with("colour", 1)) == src + ": unknown field \"colour\" (not a contrast run configuration?)");
    CHECK(error_of("[1, 2]") == src + ": not a contrast run configuration: expected a JSON object, got array");
    CHECK(error_of("{\"method\": ").find(src + ": malformed JSON") == 0);
    json big_pk = json::parse(config_with("pk_classes", 4096));
    big_pk["pk_samples"] = 4096;   // each within its bounds, their product is not
    CHECK(error_of(big_pk.dump()).find(src + ": --pk 4096,4096: P x K = 16777216 images per batch") == 0);
    // older runs lack these four: their defaults are kept
    json old = json::parse(config_with("version", nullptr, true));
    for (const char* f : {"data_dir", "train_limit", "test_limit"}) old.erase(f);
    const RunConfig c = config_from_json(old.dump(), src);
    CHECK(c.version == "unknown");
    CHECK(c.train_limit == 0);
    CHECK(error_of(config_with("out", "")) == src + ": field \"out\" must not be empty");
}

TEST_CASE("cli config: a method's extras are saved in checkpoints under method. and restored") {
    // What ProxyAnchor's proxies or a momentum encoder will use: a module beside the network.
    Generator gen(3);
    auto net = std::make_shared<nn::Linear>(4, 3, gen);
    auto extras = std::make_shared<nn::Linear>(3, 2, gen);
    CHECK(checkpointed(net, nullptr) == net);   // no extras: the file is the network's state_dict
    const nn::ModulePtr saved = checkpointed(net, extras);
    std::vector<std::string> names;
    for (const auto& [name, t] : saved->state_dict()) names.push_back(name);
    CHECK(names == std::vector<std::string>{"weight", "bias", "method.weight", "method.bias"});

    const std::string path = (std::filesystem::temp_directory_path() /
                              ("contrast_extras_" + std::to_string(getpid()) + ".safetensors")).string();
    nn::save_checkpoint(path, *saved);
    Generator other(4);
    auto net2 = std::make_shared<nn::Linear>(4, 3, other);
    auto extras2 = std::make_shared<nn::Linear>(3, 2, other);
    nn::load_checkpoint(path, *checkpointed(net2, extras2));
    CHECK(net2->named_parameters()[0].second.to_vector() == net->named_parameters()[0].second.to_vector());
    CHECK(extras2->named_parameters()[1].second.to_vector() == extras->named_parameters()[1].second.to_vector());
    // a network without the extras cannot silently load such a file
    CHECK_THROWS_WITH_AS(nn::load_checkpoint(path, *net2), doctest::Contains("method.weight"), ShapeError);

    extras->named_parameters()[0].second.data()[1] = std::nanf("");
    CHECK_THROWS_WITH_AS(check_finite_weights(*saved, path),
                         doctest::Contains((path + ": tensor 'method.weight' holds 1 NaN or infinite values of 6").c_str()),
                         IoError);
    std::remove(path.c_str());
}

TEST_CASE("cli config: the start-of-run summary lists the table's fields that apply, by line") {
    RunConfig c = defaults_for("siamese", "mnist");
    c.optimizer = "adam";
    c.model = "e1";
    c.train_limit = 0;
    std::string s = describe(c);
    CHECK(s.find("  model      model e1, embedding dim " + std::to_string(c.embedding_dim) + "\n") != std::string::npos);
    CHECK(s.find("batch size " + std::to_string(c.batch_size) + " pairs") != std::string::npos);   // the method's unit
    CHECK(s.find("  loss       " + find_method("siamese").describe_loss(c) + "\n") != std::string::npos);
    CHECK(s.find("momentum") == std::string::npos);      // adam has none
    CHECK(s.find("width") == std::string::npos);         // e1 has no width
    CHECK(s.find("train limit") == std::string::npos);   // 0: the whole set
    c.optimizer = "sgd";
    c.momentum = 0.9f;
    c.model = "e2";
    c.width = 16;
    c.lr = 0.12f;
    s = describe(c);
    CHECK(s.find("model e2, width 16,") != std::string::npos);
    CHECK(s.find("lr 0.12,") != std::string::npos);   // the float as written, not 0.11999999731779099
    CHECK(s.find("momentum 0.9,") != std::string::npos);
    // every field given a summary line shows up when it applies
    for (const Field& f : config_fields()) {
        if (f.summary.empty() || (f.applies && !f.applies(c))) continue;
        std::string label = f.name;
        for (char& ch : label) ch = ch == '_' ? ' ' : ch;
        CHECK_MESSAGE(s.find(label + " ") != std::string::npos, f.name);
    }
}
