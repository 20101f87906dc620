// From a RunConfig to the objects of a run: the data sets and their transforms, the model (and the
// part of it that evaluation embeds with), the optimizer and the schedule. Shared by every command.
#pragma once
#include <memory>
#include <string>

#include "apps/contrast/config.h"
#include "data/dataset.h"
#include "data/transforms.h"
#include "nn/models.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace ct::app {

struct RunData {
    Dataset train, test;
    std::vector<float> mean, std;   // per-channel normalisation of the inputs
};
RunData load_run_data(const RunConfig& c);

// Normalisation only: what evaluation feeds the model.
Transform eval_transform(const RunData& d);
// The training views of the method: two augmented views (SimCLR, SupCon), or one view with
// mild augmentation (or none with --no-augment).
std::vector<Transform> train_views(const RunConfig& c, const RunData& d);

struct Model {
    nn::ModulePtr net;                               // trained and checkpointed as a whole
    std::shared_ptr<nn::EncoderProjector> with_head; // SimCLR / SupCon / classifier
    bool normalize_output = false;                   // triplet: embeddings live on the unit sphere
    // The embedding evaluation uses: the encoder's representation when there is a head, else the
    // network's output (normalised for triplet). Call under NoGradGuard in eval mode.
    Tensor embed(const Tensor& x) const;
    // What the loss sees during training.
    Tensor train_output(const Tensor& x) const;
};
Model build_model(const RunConfig& c, const Dataset& train, Generator& gen);

std::unique_ptr<nn::Optimizer> build_optimizer(const RunConfig& c, const nn::Module& net);
nn::LrSchedule build_schedule(const RunConfig& c, int64_t steps_per_epoch);

// Embeds a whole data set in eval mode and without a graph, batch by batch: (N, D).
Tensor embed_dataset(const Model& m, const Dataset& data, const Transform& transform, int64_t batch = 500);

}  // namespace ct::app
