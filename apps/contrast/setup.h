// From a RunConfig to the objects of a run: the data sets and their transforms, the pieces methods
// build their models from (method.h), the optimizer and the schedule. Shared by every command.
#pragma once
#include <functional>
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
// One view with mild augmentation (small affine on grey images, crop and flip on colour ones), or
// normalisation only with --no-augment.
std::vector<Transform> mild_views(const RunConfig& c, const RunData& d);
// Two strongly augmented views of every image (SimCLR's crop, colour jitter, grey, blur; on grey
// images crop and affine only).
std::vector<Transform> two_strong_views(const RunConfig& c, const RunData& d);

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
// --model's encoder for the data: E1 ends in out_dim outputs, E2 and the ResNet in `features`
// (set to what the encoder outputs). Errors name --model when the images do not fit it.
nn::ModulePtr make_encoder(const RunConfig& c, const Dataset& train, int64_t out_dim, int64_t& features, Generator& gen);
// The encoder ending in --embedding-dim outputs (a Linear layer added after E2 / ResNet).
nn::ModulePtr make_embedding_net(const RunConfig& c, const Dataset& train, Generator& gen);
// Encoder + head (projector or class layer): evaluation uses the encoder's representation.
// make_head gets the encoder's feature count.
Model make_encoder_with_head(const RunConfig& c, const Dataset& train, Generator& gen,
                             const std::function<nn::ModulePtr(int64_t features)>& make_head);

// What checkpoints hold: the network, plus the method's extra module (method.h) under "method."
// when it has one. Without extras this is `net` itself: the file is the network's state_dict.
nn::ModulePtr checkpointed(const nn::ModulePtr& net, const nn::ModulePtr& extras);

// Refuses a loaded checkpoint whose tensors hold NaN or Inf (a run that diverged): names the file,
// the first such tensor and how many of its values are not finite.
void check_finite_weights(const nn::Module& saved, const std::string& path);

// The parameter groups of a run: the network's parameters at --lr, then the method's extras (if
// any have parameters) as "method.<name>" at --lr times extras_lr_mult (Objective::extras_lr_mult).
std::vector<nn::ParamGroup> param_groups(const RunConfig& c, const nn::Module& net, const nn::ModulePtr& extras,
                                         float extras_lr_mult);
// The --optimizer over those groups.
std::unique_ptr<nn::Optimizer> build_optimizer(const RunConfig& c, std::vector<nn::ParamGroup> groups);
nn::LrSchedule build_schedule(const RunConfig& c, int64_t steps_per_epoch);

// Embeds a whole data set in eval mode and without a graph, batch by batch: (N, D).
Tensor embed_dataset(const Model& m, const Dataset& data, const Transform& transform, int64_t batch = 500);
// Images [begin, end) only, in batches starting at begin: (end - begin, D).
Tensor embed_rows(const Model& m, const Dataset& data, const Transform& transform, int64_t begin, int64_t end,
                  int64_t batch = 500);

}  // namespace ct::app
