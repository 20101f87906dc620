// The settings of one training run: every flag of `contrast train` and its JSON form in
// RUN_DIR/config.json, declared once in a table of fields (config.cpp) that both the flag parser
// and the config.json reader check against. Per-method defaults live in the method files (method.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ct::app {

inline const char* kVersion = "0.1.0";

// The member initialisers are the defaults every method starts from; a method then sets its own.
struct RunConfig {
    std::string method = "siamese";      // a name of the method registry (method.h)
    std::string data = "mnist";          // mnist | mnist-sample | fashion-mnist | cifar10 | cifar100 | DIR
    std::string data_dir;                // when set, the only folder searched (else $CONTRAST_DATA, ./data)
    std::string model = "e1";            // e1 | e2 | resnet18
    int64_t width = 32;                  // e2 / resnet18 channel width
    int64_t embedding_dim = 64;          // output dimension of the embedding (or projection)
    int64_t epochs = 5;
    int64_t batch_size = 128;            // siamese: pairs per step; others: images per step
    std::string optimizer = "adam";      // sgd | adam | adamw | lars
    float lr = 1e-3f;
    float weight_decay = 0.f;
    float momentum = 0.9f;
    std::string schedule = "constant";   // constant | cosine | warmup-cosine | step
    int64_t warmup_epochs = 1;
    float temperature = 0.5f;
    float margin = 1.f;
    std::string miner = "semihard";      // all | hard | semihard | easy | batch-hard | batch-all
    int64_t pk_classes = 8, pk_samples = 32;
    float color_strength = 0.5f;         // SimCLR colour-jitter strength on 3-channel data
    float crop_scale = 0.08f;            // smallest crop area of the strong views on 3-channel data
    int64_t projector_hidden = 0;        // simclr/supcon/moco: hidden width of the projector (0: the features')
    bool projector_bn = false;           // simclr/supcon/moco: BatchNorm after the projector's hidden Linear
    bool augment = true;                 // siamese/triplet/classifier/proxy: mild augmentation
    int64_t train_limit = 0;             // > 0: use only N training images, evenly spaced (smoke tests)
    int64_t test_limit = 0;              // > 0: evaluate on N test images, evenly spaced
    int threads = 2;
    int workers = 2;
    uint64_t seed = 0;
    std::string out = "runs/run";
    std::string version = kVersion;
    // data-parallel training (mpi)
    bool sync_bn = false;                // under mpirun: BatchNorm statistics over the global batch
    // text methods (issue 13: simcse, sts-regression on STS-B; apps/contrast/text_method.h)
    int64_t max_tokens = 32;             // words kept per sentence
    int64_t min_freq = 2;                // rarer training words become <unk>
    float dropout = 0.1f;                // of the text encoder
    std::string text_views = "dropout";  // simcse: dropout | delete | swap | cutoff (data/text_views.h)
    float view_rate = 0.1f;              // share of words the view deletes / swaps / cuts
    std::string init;                    // sts-regression: a SimCSE run directory to start from
    // proxy methods (--method proxy): 0 in scale and proxy_lr_mult asks for the chosen loss's
    // default, which the method's finish() puts there (method_proxy.cpp)
    std::string loss = "proxy-anchor";   // proxy-anchor | proxy-nca | arcface | cosface
    float scale = 0.f;                   // ProxyAnchor's alpha, the others' softmax scale
    float proxy_lr_mult = 0.f;           // the proxies' learning rate is --lr times this
    // self-supervised methods (issue 11 part 2): the papers' defaults, scaled where the file says
    int64_t queue_size = 4096;           // moco: negative keys in the queue (MoCo v2: 65536)
    float ema = 0.99f;                   // moco: momentum of the key encoder; byol: the target's, at step 0
    float barlow_lambda = 5e-3f;         // barlow: weight of the off-diagonal terms
    float vicreg_invariance = 25.f, vicreg_variance = 25.f, vicreg_covariance = 1.f;
};

// One setting: its JSON key, its flag, its help, its bounds or choices, and how it is read from
// and written to a RunConfig. The same check() runs on a flag's value and on a loaded config.json.
struct Field {
    enum class Kind { Integer, Number, Text, Switch };
    std::string name;          // JSON key: "batch_size"
    std::string flag;          // "--batch-size"; "" when it is not a flag of its own (pk_*, version)
    std::string help;
    Kind kind = Kind::Text;
    double lo = 0, hi = 0;     // Integer / Number: lo <= v <= hi (lo < v when lo_open)
    bool lo_open = false;
    bool bounded = false;
    std::function<std::vector<std::string>()> choices;   // Text: the allowed values (empty: any)
    bool nonempty = false;                               // Text: "" is refused
    bool optional_in_json = false;   // absent from config.json of older runs: the default is kept
    // The line of the start-of-run summary that shows it ("model", "training", "run"; "" for none;
    // the loss line is the method's own), and when it applies (empty: always).
    std::string summary;
    std::function<bool(const RunConfig&)> applies;
    // The methods that read it (empty: every method). Given as a flag to another method it is
    // refused rather than silently ignored.
    std::vector<std::string> methods;
    std::function<nlohmann::json(const RunConfig&)> get;
    std::function<void(RunConfig&, const nlohmann::json&)> put;   // called with a checked value

    // "" when v is a valid value, else what is wrong: "must be at most 1024, got 5000" (`shown`
    // is what "got" quotes: the flag's text; v.dump() when empty).
    std::string check(const nlohmann::json& v, const std::string& shown = "") const;
    // A flag's text as the JSON value check() takes; sets `error` and returns null when it is not one.
    nlohmann::json parse_text(const std::string& text, std::string& error) const;
    std::string range_text() const;   // "1..1024", "a|b|c": for help texts
};
const std::vector<Field>& config_fields();
const Field& config_field(const std::string& name);

const std::vector<std::string>& models();
const std::vector<std::string>& optimizers();
const std::vector<std::string>& schedules();
const std::vector<std::string>& miners();
const std::vector<std::string>& proxy_losses();

// The defaults of a method (and data set): what `contrast train --method M` uses for every flag
// the user did not give.
RunConfig defaults_for(const std::string& method, const std::string& data);
// --pk P,K: both at least 2, within the bounds of pk_classes and pk_samples.
void set_pk(RunConfig& c, const std::string& text);
// Checks that hold between fields, after the flags or a loaded file: names the flags and `source`.
void check_consistency(const RunConfig& c, const std::string& source);

// Is the evaluation distance Euclidean (Siamese on raw outputs) rather than cosine?
bool uses_euclidean(const RunConfig& c);

nlohmann::json to_json(const RunConfig& c);
// Every field present with a valid value, no unknown field; errors are ct::IoError naming `source`
// and the field. config_from_json parses the text first (the entry point of the fuzz harness).
RunConfig from_json(const nlohmann::json& j, const std::string& source);
RunConfig config_from_json(const std::string& text, const std::string& source);
RunConfig load_config(const std::string& run_dir);   // RUN_DIR/config.json
std::string describe(const RunConfig& c);            // the multi-line summary printed at start

}  // namespace ct::app
