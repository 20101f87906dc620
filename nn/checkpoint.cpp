// Model and training checkpoints on top of the safetensors reader/writer.
#include "nn/checkpoint.h"

#include <cinttypes>
#include <cstdio>

#include "nn/safetensors.h"

namespace ct::nn {
namespace {

const std::string kOptimizerPrefix = "optimizer.";

bool is_counter(const std::string& name) {
    const std::string suffix = "num_batches_tracked";
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string state_to_hex(const Generator::State& s) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64, s[0], s[1], s[2], s[3]);
    return buf;
}

Generator::State hex_to_state(const std::string& path, const std::string& key, const std::string& text) {
    Generator::State s{};
    int used = 0;
    const bool ok = std::sscanf(text.c_str(), "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 "%n", &s[0], &s[1], &s[2], &s[3],
                                &used) == 4 && size_t(used) == text.size();
    CT_CHECK_AS(IoError, ok, "checkpoint: " << path << ": metadata '" << key << "' = '" << text
                                            << "' is not four hexadecimal 64-bit words");
    return s;
}

int64_t parse_int(const std::string& path, const std::string& key, const std::string& text) {
    size_t used = 0;
    int64_t v = 0;
    try {
        v = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    CT_CHECK_AS(IoError, used > 0 && used == text.size(), "checkpoint: " << path << ": metadata '" << key << "' = '" << text
                                                                          << "' is not an integer");
    return v;
}

}  // namespace

void save_checkpoint(const std::string& path, const Module& module, const TrainingState* state) {
    std::vector<StoredTensor> tensors;
    for (const auto& [name, t] : module.state_dict())
        tensors.push_back({name, t, is_counter(name) ? Dtype::I64 : Dtype::F32});
    Metadata meta{{"format", "pt"}};   // what safetensors.torch.save_file writes
    if (state) {
        for (const auto& [name, t] : state->optimizer) {
            CT_CHECK_AS(IoError, name.rfind(kOptimizerPrefix, 0) == 0,
                        "checkpoint: cannot write " << path << ": optimizer state '" << name << "' must start with 'optimizer.'");
            tensors.push_back({name, t, Dtype::F32});
        }
        meta["contrast.epoch"] = std::to_string(state->epoch);
        meta["contrast.step"] = std::to_string(state->step);
        for (const auto& [name, s] : state->generators) meta["contrast.generator." + name] = state_to_hex(s);
        if (!state->config_json.empty()) meta["contrast.config"] = state->config_json;
    }
    write_safetensors(path, tensors, meta);
}

void load_checkpoint(const std::string& path, Module& module, TrainingState* state) {
    SafetensorsFile file = read_safetensors(path);
    NamedTensors model, optimizer;
    for (StoredTensor& t : file.tensors) {
        const bool opt = t.name.rfind(kOptimizerPrefix, 0) == 0;
        CT_CHECK_AS(IoError, t.dtype == Dtype::F32 || (!opt && is_counter(t.name)),
                    "checkpoint: " << path << ": tensor '" << t.name << "' is " << dtype_name(t.dtype)
                                   << " but contrast expects F32 (I64 only for num_batches_tracked)");
        (opt ? optimizer : model).emplace_back(t.name, t.value);
    }
    TrainingState loaded;
    if (state) {
        const Metadata& m = file.metadata;
        if (m.count("contrast.epoch")) loaded.epoch = parse_int(path, "contrast.epoch", m.at("contrast.epoch"));
        if (m.count("contrast.step")) loaded.step = parse_int(path, "contrast.step", m.at("contrast.step"));
        if (m.count("contrast.config")) loaded.config_json = m.at("contrast.config");
        const std::string gen_prefix = "contrast.generator.";
        for (const auto& [key, value] : m)
            if (key.rfind(gen_prefix, 0) == 0) loaded.generators[key.substr(gen_prefix.size())] = hex_to_state(path, key, value);
        loaded.optimizer = std::move(optimizer);
    }
    module.load_state_dict(model, path);   // validates every name and shape before copying anything
    if (state) *state = std::move(loaded);
}

}  // namespace ct::nn
