// The table of a run's settings (name, flag, help, bounds or choices, JSON in and out), the
// defaults per data set (each method adds its own in its file), the JSON round trip with every
// field checked, and the start-of-run summary.
#include "apps/contrast/config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>

#include "apps/contrast/method.h"
#include "core/check.h"
#include "data/text_views.h"
#include "losses/proxies.h"

namespace ct::app {

const std::vector<std::string>& models() {
    static const std::vector<std::string> v{"e1", "e2", "resnet18", "transformer"};
    return v;
}
const std::vector<std::string>& optimizers() {
    static const std::vector<std::string> v{"sgd", "adam", "adamw", "lars"};
    return v;
}
const std::vector<std::string>& schedules() {
    static const std::vector<std::string> v{"constant", "cosine", "warmup-cosine", "step"};
    return v;
}
const std::vector<std::string>& miners() {
    static const std::vector<std::string> v{"all", "hard", "semihard", "easy", "batch-hard", "batch-all"};
    return v;
}
const std::vector<std::string>& proxy_losses() { return ct::proxy_loss_names(); }

namespace {

using json = nlohmann::json;

// Whole numbers print as their digits (1048576, not the stream's 1.04858e+06): a bound in an error
// message must be one the user can type back. The uint64 ceiling rounds up to 2^64 as a double.
std::string number_text(double v) {
    if (v >= 18446744073709551615.0) return "18446744073709551615";
    std::ostringstream os;
    if (v == std::floor(v) && std::fabs(v) < 1e18) os << std::fixed << std::setprecision(0);
    os << v;
    return os.str();
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
    return s;
}

template <class T> constexpr Field::Kind kind_of() {
    if constexpr (std::is_same_v<T, bool>) return Field::Kind::Switch;
    else if constexpr (std::is_same_v<T, float>) return Field::Kind::Number;
    else if constexpr (std::is_integral_v<T>) return Field::Kind::Integer;
    else return Field::Kind::Text;
}

// A row of the table bound to a member of RunConfig; the builders below add bounds or choices.
template <class T>
Field row(const char* name, const char* flag, const char* help, T RunConfig::*member) {
    Field f;
    f.name = name;
    f.flag = flag;
    f.help = help;
    f.kind = kind_of<T>();
    f.get = [member](const RunConfig& c) { return json(c.*member); };
    f.put = [member](RunConfig& c, const json& v) { c.*member = v.get<T>(); };
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {   // the type's own range at least
        f.bounded = true;
        f.lo = double(std::numeric_limits<T>::min());
        f.hi = double(std::numeric_limits<T>::max());
    }
    return f;
}
Field in(Field f, double lo, double hi, bool lo_open = false) {
    f.bounded = true;
    f.lo = lo;
    f.hi = hi;
    f.lo_open = lo_open;
    return f;
}
Field positive(Field f, double hi) { return in(std::move(f), 0, hi, true); }
Field one_of(Field f, std::function<std::vector<std::string>()> choices) {
    f.choices = std::move(choices);
    return f;
}
Field nonempty(Field f) {
    f.nonempty = true;
    return f;
}
Field optional_in_json(Field f) {
    f.optional_in_json = true;
    return f;
}
Field only_for(std::vector<std::string> methods, Field f) {
    f.methods = std::move(methods);
    return f;
}
Field shown(Field f, const char* summary_line, std::function<bool(const RunConfig&)> applies = {}) {
    f.summary = summary_line;
    f.applies = std::move(applies);
    return f;
}

}  // namespace

namespace {
bool is_text(const RunConfig& c) { return find_method(c.method).text() != nullptr; }
}  // namespace

// The one declaration of every setting. Upper bounds keep a typo from asking for terabytes or
// training forever; they sit far above anything a CPU run uses.
const std::vector<Field>& config_fields() {
    static const std::vector<std::string> strong_view_methods{"simclr", "supcon", "moco", "byol",
                                                              "simsiam", "barlow", "vicreg"};
    static const std::vector<std::string> simclr_model_methods{"simclr", "supcon", "moco"};
    static const std::vector<Field> table{
        one_of(row("method", "--method", "what to learn", &RunConfig::method), methods),
        nonempty(row("data", "--data", "mnist|mnist-sample|fashion-mnist|cifar10|cifar100|stsb|DIR (an image folder)",
                     &RunConfig::data)),
        optional_in_json(row("data_dir", "--data-dir",
                             "the only folder searched for the data (default: $CONTRAST_DATA, then ./data)",
                             &RunConfig::data_dir)),
        shown(one_of(row("model", "--model", "encoder", &RunConfig::model), models), "model"),
        shown(positive(row("width", "--width", "channel width of e2 / resnet18", &RunConfig::width), 1024), "model",
              [](const RunConfig& c) { return c.model == "e2" || c.model == "resnet18"; }),
        shown(positive(row("embedding_dim", "--embedding-dim", "embedding (or projection) dimension",
                           &RunConfig::embedding_dim), 16384), "model"),
        shown(positive(row("epochs", "--epochs", "training epochs", &RunConfig::epochs), 100000), "training"),
        shown(positive(row("batch_size", "--batch-size", "images per step (siamese: pairs per step)",
                           &RunConfig::batch_size), 65536), "training"),
        shown(one_of(row("optimizer", "--optimizer", "optimizer", &RunConfig::optimizer), optimizers), "training"),
        shown(positive(row("lr", "--lr", "learning rate", &RunConfig::lr), 1e6), "training"),
        shown(in(row("weight_decay", "--weight-decay", "weight decay", &RunConfig::weight_decay), 0, 10), "training"),
        shown(in(row("momentum", "--momentum", "momentum of sgd / lars", &RunConfig::momentum), 0, 1), "training",
              [](const RunConfig& c) { return c.optimizer == "sgd" || c.optimizer == "lars"; }),
        shown(one_of(row("schedule", "--schedule", "learning-rate schedule", &RunConfig::schedule), schedules), "training"),
        shown(in(row("warmup_epochs", "--warmup-epochs", "epochs of linear warm-up (warmup-cosine)",
                 &RunConfig::warmup_epochs), 0, 100000), "training",
              [](const RunConfig& c) { return c.schedule == "warmup-cosine"; }),
        positive(row("temperature", "--temperature", "temperature of NT-Xent / SupCon", &RunConfig::temperature), 100),
        positive(row("margin", "--margin", "margin of the contrastive / triplet loss", &RunConfig::margin), 100),
        one_of(row("miner", "--miner", "triplet mining", &RunConfig::miner), miners),
        in(row("pk_classes", "", "P of --pk P,K: classes per triplet batch", &RunConfig::pk_classes), 2, 4096),
        in(row("pk_samples", "", "K of --pk P,K: samples per class", &RunConfig::pk_samples), 2, 4096),
        // the methods whose views are two_strong_views (setup.h)
        only_for(strong_view_methods,
                 in(row("color_strength", "--color-strength", "SimCLR colour-jitter strength", &RunConfig::color_strength),
                    0, 1)),
        only_for(strong_view_methods,
                 shown(optional_in_json(in(row("crop_scale", "--crop-scale",
                                               "smallest area of the strong views' random crop, as a share of the "
                                               "image (3-channel data)", &RunConfig::crop_scale), 0.01, 1)),
                       "training", [](const RunConfig& c) { return c.crop_scale != RunConfig{}.crop_scale; })),
        // the methods whose model is SimCLR's encoder + projector (method_simclr.cpp)
        only_for(simclr_model_methods,
                 shown(optional_in_json(in(row("projector_hidden", "--projector-hidden",
                                               "simclr / supcon / moco: width of the projector's hidden layer "
                                               "(0: the encoder's feature width)", &RunConfig::projector_hidden),
                                           0, 65536)),
                       "model", [](const RunConfig& c) { return c.projector_hidden != 0; })),
        only_for(simclr_model_methods,
                 shown(optional_in_json(row("projector_bn", "--projector-bn",
                                            "simclr / supcon / moco: BatchNorm after the projector's hidden layer "
                                            "(lightly's SimCLR head)", &RunConfig::projector_bn)),
                       "model", [](const RunConfig& c) { return c.projector_bn; })),
        // the methods whose views are mild_views (setup.h)
        only_for({"siamese", "triplet", "classifier", "proxy"},
                 row("augment", "--no-augment", "no augmentation for siamese / triplet / classifier / proxy",
                     &RunConfig::augment)),
        shown(optional_in_json(in(row("train_limit", "--train-limit", "use only N training images, evenly spaced",
                                      &RunConfig::train_limit), 0, 1e9)), "run",
              [](const RunConfig& c) { return c.train_limit > 0; }),
        shown(optional_in_json(in(row("test_limit", "--test-limit", "evaluate on N test images, evenly spaced",
                                      &RunConfig::test_limit), 0, 1e9)), "run",
              [](const RunConfig& c) { return c.test_limit > 0; }),
        shown(in(row("threads", "--threads", "compute threads (OpenMP + OpenBLAS)", &RunConfig::threads), 1, 256), "run"),
        shown(in(row("workers", "--workers", "data loader threads (0: load on the training thread)",
                     &RunConfig::workers), 0, 64), "run"),
        shown(row("seed", "--seed", "seed of every random choice", &RunConfig::seed), "run"),
        shown(nonempty(row("out", "--out", "run directory (config, metrics, checkpoints, pictures)", &RunConfig::out)), "run"),
        optional_in_json(row("version", "", "the contrast version that wrote the run", &RunConfig::version)),
        // data-parallel training (mpi)
        shown(optional_in_json(row("sync_bn", "--sync-bn",
                                   "under mpirun: BatchNorm statistics over every rank's batch (default: per rank)",
                                   &RunConfig::sync_bn)),
              "training", [](const RunConfig& c) { return c.sync_bn; }),
        // text methods (issue 13)
        shown(optional_in_json(in(row("max_tokens", "--max-tokens", "text: words kept per sentence", &RunConfig::max_tokens),
                                  1, 512)), "model", is_text),
        shown(optional_in_json(in(row("min_freq", "--min-freq", "text: training words seen fewer times are <unk>",
                                      &RunConfig::min_freq), 1, 1e6)), "model", is_text),
        shown(optional_in_json(in(row("dropout", "--dropout", "text: encoder dropout", &RunConfig::dropout), 0, 0.9)),
              "model", is_text),
        shown(optional_in_json(one_of(row("text_views", "--text-views", "simcse: what makes the two views differ",
                                          &RunConfig::text_views), text_view_names)), "training", is_text),
        shown(optional_in_json(in(row("view_rate", "--view-rate", "simcse: share of words deleted / swapped / cut",
                                      &RunConfig::view_rate), 0, 0.9)), "training",
              [](const RunConfig& c) { return is_text(c) && c.text_views != "dropout"; }),
        shown(optional_in_json(row("init", "--init", "sts-regression: start from this SimCSE run directory",
                                   &RunConfig::init)), "training", [](const RunConfig& c) { return !c.init.empty(); }),
        // proxy methods (issue 11 part 3): absent from older runs' config.json
        only_for({"proxy"},
                 optional_in_json(one_of(row("loss", "--loss", "loss of --method proxy", &RunConfig::loss), proxy_losses))),
        only_for({"proxy"},
                 optional_in_json(in(row("scale", "--scale",
                                         "proxy: ProxyAnchor's alpha, the softmax scale of proxy-nca/arcface/cosface "
                                         "(0: the loss's own, 32/1/64/64)", &RunConfig::scale), 0, 1e4))),
        only_for({"proxy"},
                 optional_in_json(in(row("proxy_lr_mult", "--proxy-lr-mult",
                                         "proxy: the proxies' learning rate is --lr times this (0: 100 for "
                                         "proxy-anchor, as the paper, else 1)", &RunConfig::proxy_lr_mult), 0, 1e6))),
        // self-supervised methods (issue 11 part 2); shown on the method's loss line
        only_for({"moco"}, optional_in_json(in(row("queue_size", "--queue-size", "moco: negative keys kept in the queue",
                                                   &RunConfig::queue_size), 1, 262144))),
        only_for({"moco", "byol"},
                 optional_in_json(in(row("ema", "--ema", "moco: momentum of the key encoder; byol: the target's at "
                                         "the start (a cosine raises it to 1)", &RunConfig::ema), 0, 1))),
        only_for({"barlow"}, optional_in_json(in(row("barlow_lambda", "--barlow-lambda",
                                                     "barlow: weight of the off-diagonal terms",
                                                     &RunConfig::barlow_lambda), 0, 1000))),
        only_for({"vicreg"}, optional_in_json(in(row("vicreg_invariance", "--vicreg-invariance",
                                                     "vicreg: weight of the invariance (MSE) term",
                                                     &RunConfig::vicreg_invariance), 0, 1000))),
        only_for({"vicreg"}, optional_in_json(in(row("vicreg_variance", "--vicreg-variance",
                                                     "vicreg: weight of the variance hinge",
                                                     &RunConfig::vicreg_variance), 0, 1000))),
        only_for({"vicreg"}, optional_in_json(in(row("vicreg_covariance", "--vicreg-covariance",
                                                     "vicreg: weight of the covariance term",
                                                     &RunConfig::vicreg_covariance), 0, 1000))),
    };
    return table;
}

const Field& config_field(const std::string& name) {
    for (const Field& f : config_fields())
        if (f.name == name) return f;
    CT_THROW(ValueError, "config_field: no field '" << name << "'");
}

std::string Field::range_text() const {
    if (choices) return joined(choices());
    if (!bounded) return "";
    return (lo_open ? "> " : ">= ") + number_text(lo) + ", <= " + number_text(hi);
}

std::string Field::check(const json& v, const std::string& shown) const {
    const std::string got = ", got " + (shown.empty() ? v.dump() : shown);
    switch (kind) {
    case Kind::Switch:
        return v.is_boolean() ? "" : "must be true or false" + got;
    case Kind::Text: {
        if (!v.is_string()) return "must be a string" + got;
        const std::string s = v.get<std::string>();
        if (nonempty && s.empty()) return "must not be empty";
        if (!choices) return "";
        for (const std::string& c : choices())
            if (c == s) return "";
        return "must be one of " + joined(choices()) + ", got '" + s + "'";
    }
    case Kind::Integer:
    case Kind::Number: {
        if (kind == Kind::Integer ? !v.is_number_integer() : !v.is_number())
            return std::string(kind == Kind::Integer ? "must be an integer" : "must be a number") + got;
        // long double holds every int64 and uint64 exactly: the comparisons below are exact
        const long double x = v.is_number_unsigned() ? (long double)v.get<uint64_t>()
                              : v.is_number_integer() ? (long double)v.get<int64_t>()
                                                      : (long double)v.get<double>();
        if (!std::isfinite(double(x))) return "must be a finite number" + got;
        if (!bounded) return "";
        if (lo_open ? x <= lo : x < lo) return std::string("must be ") + (lo_open ? "> " : ">= ") + number_text(lo) + got;
        if (x > hi) return "must be at most " + number_text(hi) + got;
        return "";
    }
    }
    return "";
}

json Field::parse_text(const std::string& text, std::string& error) const {
    error.clear();
    if (kind == Kind::Text) return text;
    if (kind == Kind::Switch) return text != "false" && text != "0";
    size_t used = 0;
    if (kind == Kind::Integer) {
        // digits only (CLI11 and stoll accept "1e3" or clamp "999...9"): the bounds decide the rest
        const size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
        const bool digits = text.size() > start && text.find_first_not_of("0123456789", start) == std::string::npos;
        if (!digits) {
            error = "expected an integer, got '" + text + "'";
            return nullptr;
        }
        const long double x = std::stold(text, &used);
        if (x > (long double)std::numeric_limits<int64_t>::max()) {
            if (x <= (long double)std::numeric_limits<uint64_t>::max() && !(bounded && x > hi))
                return json(uint64_t(std::stoull(text)));
            error = "must be at most " + number_text(bounded ? hi : double(std::numeric_limits<uint64_t>::max())) +
                    ", got " + text;
            return nullptr;
        }
        if (x < (long double)std::numeric_limits<int64_t>::min()) {
            error = std::string("must be ") + (lo_open ? "> " : ">= ") + number_text(lo) + ", got " + text;
            return nullptr;
        }
        return json(int64_t(std::stoll(text)));
    }
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::out_of_range&) {
        error = "must be at most " + number_text(hi) + ", got " + text;
        return nullptr;
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || !std::isfinite(v)) {
        error = "expected a number, got '" + text + "'";
        return nullptr;
    }
    return v;
}

RunConfig defaults_for(const std::string& method, const std::string& data) {
    RunConfig c;
    c.method = method;
    c.data = data;
    const bool small_images = data == "mnist" || data == "mnist-sample" || data == "fashion-mnist";
    c.model = small_images ? "e1" : "e2";
    find_method(method).defaults(c, small_images);
    return c;
}

void set_pk(RunConfig& c, const std::string& text) {
    const auto comma = text.find(',');
    CT_CHECK_AS(ValueError, comma != std::string::npos, "--pk " << text << ": expected P,K such as 8,32");
    const Field* parts[] = {&config_field("pk_classes"), &config_field("pk_samples")};
    const std::string texts[] = {text.substr(0, comma), text.substr(comma + 1)};
    for (int i = 0; i < 2; ++i) {
        std::string error;
        json v = parts[i]->parse_text(texts[i], error);
        if (error.empty()) error = parts[i]->check(v, texts[i]);
        CT_CHECK_AS(ValueError, error.empty(),
                    "--pk " << text << ": " << (i == 0 ? "P" : "K") << " " << error << " (P and K must both be at least 2)");
        parts[i]->put(c, v);
    }
}

void check_consistency(const RunConfig& c, const std::string& source) {
    const int64_t batch_max = int64_t(config_field("batch_size").hi);
    CT_CHECK_AS(ValueError, c.pk_classes * c.pk_samples <= batch_max,
                source << "--pk " << c.pk_classes << "," << c.pk_samples << ": P x K = " << c.pk_classes * c.pk_samples
                       << " images per batch, more than the " << batch_max << " --batch-size allows");
    CT_CHECK_AS(ValueError, c.schedule != "warmup-cosine" || c.warmup_epochs < c.epochs,
                source << "--warmup-epochs " << c.warmup_epochs << " must be less than --epochs " << c.epochs
                       << ": warmup-cosine warms up, then decays over the epochs left");
}

bool uses_euclidean(const RunConfig& c) { return find_method(c.method).euclidean(); }

json to_json(const RunConfig& c) {
    json j = json::object();
    for (const Field& f : config_fields()) j[f.name] = f.get(c);
    return j;
}

RunConfig from_json(const json& j, const std::string& source) {
    CT_CHECK_AS(IoError, j.is_object(), source << ": not a contrast run configuration: expected a JSON object, got "
                                               << j.type_name());
    for (const auto& item : j.items()) {
        bool known = false;
        for (const Field& f : config_fields()) known = known || f.name == item.key();
        CT_CHECK_AS(IoError, known, source << ": unknown field \"" << item.key() << "\" (not a contrast run configuration?)");
    }
    RunConfig c;
    for (const Field& f : config_fields()) {
        if (!j.contains(f.name)) {
            CT_CHECK_AS(IoError, f.optional_in_json, source << ": field \"" << f.name << "\" is missing");
            continue;
        }
        const std::string error = f.check(j.at(f.name));
        CT_CHECK_AS(IoError, error.empty(), source << ": field \"" << f.name << "\" " << error);
        f.put(c, j.at(f.name));
    }
    if (!j.contains("version")) c.version = "unknown";
    try {
        check_consistency(c, source + ": ");
    } catch (const ValueError& e) {
        CT_THROW(IoError, e.what());
    }
    return c;
}

RunConfig config_from_json(const std::string& text, const std::string& source) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        CT_THROW(IoError, source << ": malformed JSON: " << e.what());
    }
    return from_json(j, source);
}

RunConfig load_config(const std::string& run_dir) {
    const std::string path = run_dir + "/config.json";
    std::ifstream in(path);
    CT_CHECK_AS(IoError, in.good(), path << ": cannot open: is '" << run_dir
                                          << "' a run directory written by `contrast train --out`?");
    std::stringstream text;
    text << in.rdbuf();
    return config_from_json(text.str(), path);
}

// The summary printed at the start of a run: the fields of each summary line, from the table, as
// "name value" (batch_size with the method's unit), and the method's own line for its loss.
std::string describe(const RunConfig& c) {
    const Method& method = find_method(c.method);
    std::ostringstream os;
    os << "contrast " << c.version << ": train --method " << c.method << " on " << c.data << "\n";
    for (const char* line : {"model", "training", "loss", "run"}) {
        os << "  " << line << std::string(11 - std::string(line).size(), ' ');
        if (std::string(line) == "loss") {
            os << method.describe_loss(c) << "\n";
            continue;
        }
        std::string sep;
        for (const Field& f : config_fields()) {
            if (f.summary != line || (f.applies && !f.applies(c))) continue;
            std::string label = f.name;
            std::replace(label.begin(), label.end(), '_', ' ');
            const json v = f.get(c);
            os << sep << label << " "
               << (v.is_string() ? v.get<std::string>() : v.is_number_float() ? number_text(v.get<double>()) : v.dump());
            if (f.name == "batch_size") os << " " << method.batch_unit();
            sep = ", ";
        }
        os << "\n";
    }
    return os.str();
}

}  // namespace ct::app
