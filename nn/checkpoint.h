// Checkpoints: a model's parameters and buffers in one safetensors file (nn/safetensors.h) under
// PyTorch's state_dict names, so `model.load_state_dict(safetensors.torch.load_file(path))` works
// for the same model in PyTorch. A training checkpoint adds the optimizer state as extra tensors
// named "optimizer.<param>.<key>" (PyTorch users filter them: {k: v for k, v in sd.items() if not
// k.startswith("optimizer.")}) and epoch, step, generator states and the run config in __metadata__.
#pragma once
#include <map>
#include <string>

#include "core/random.h"
#include "nn/module.h"

namespace ct::nn {

struct TrainingState {
    NamedTensors optimizer;                          // Optimizer::state_tensors()
    int64_t epoch = 0, step = 0;
    std::map<std::string, Generator::State> generators;   // e.g. "data", "dropout"
    std::string config_json;                         // the run's configuration, stored verbatim
};

// Writes atomically (an interrupted save leaves the previous checkpoint intact). With state ==
// nullptr the file holds the model only. num_batches_tracked is written as I64, like PyTorch's.
void save_checkpoint(const std::string& path, const Module& module, const TrainingState* state = nullptr);

// Loads the model's tensors (all names and shapes checked first: on any error the model is
// unchanged) and, when state != nullptr, fills it; the caller hands state->optimizer to
// Optimizer::load_state_tensors and the generator states to their generators. Errors are
// ct::IoError (file, format, dtype, metadata) or ct::ShapeError (names, shapes), naming the file.
void load_checkpoint(const std::string& path, Module& module, TrainingState* state = nullptr);

}  // namespace ct::nn
