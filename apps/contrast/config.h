// The settings of one training run: every flag of `contrast train`, the defaults of each method
// (the papers' recipes scaled to a CPU), and their JSON form in RUN_DIR/config.json.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ct::app {

inline const char* kVersion = "0.1.0";

struct RunConfig {
    std::string method = "siamese";      // siamese | triplet | simclr | supcon | classifier
    std::string data = "mnist";          // mnist | mnist-sample | fashion-mnist | cifar10 | cifar100 | DIR
    std::string data_dir;                // searched first (then $CONTRAST_DATA, ./data)
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
    bool augment = true;                 // siamese/triplet/classifier: mild augmentation
    int64_t train_limit = 0;             // > 0: use only N training images, evenly spaced (smoke tests)
    int64_t test_limit = 0;              // > 0: evaluate on N test images, evenly spaced
    int threads = 2;
    int workers = 2;
    uint64_t seed = 0;
    std::string out = "runs/run";
    std::string version = kVersion;
};

const std::vector<std::string>& methods();
const std::vector<std::string>& models();
const std::vector<std::string>& optimizers();
const std::vector<std::string>& schedules();
const std::vector<std::string>& miners();

// The defaults of a method (and data set): what `contrast train --method M` uses for every flag
// the user did not give.
RunConfig defaults_for(const std::string& method, const std::string& data);

// SimCLR, SupCon and the classifier train an encoder plus a head (projector or class layer); they
// are evaluated on the encoder's representation, with kNN and a linear probe on frozen features.
bool has_projection_head(const std::string& method);
// Is the evaluation distance Euclidean (Siamese on raw outputs) rather than cosine?
bool uses_euclidean(const RunConfig& c);

nlohmann::json to_json(const RunConfig& c);
RunConfig from_json(const nlohmann::json& j, const std::string& source);
RunConfig config_from_text(const std::string& text, const std::string& source);   // config.json's text
RunConfig load_config(const std::string& run_dir);   // RUN_DIR/config.json
std::string describe(const RunConfig& c);            // the multi-line summary printed at start

}  // namespace ct::app
