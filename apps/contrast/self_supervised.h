// Pieces the self-supervised methods share (method_moco/byol/simsiam/barlow/vicreg.cpp): the
// module that holds their state beyond the network, the halves of a two-view batch, the
// projector and predictor MLPs, and BYOL's momentum schedule. SimCLR, which needs none of them,
// is in method_simclr.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "apps/contrast/method.h"
#include "nn/module.h"

namespace ct::app {

// A method's extras (method.h): named children (a predictor: trained) and buffers (a momentum
// encoder, a queue, a step count: saved, not trained). It has no forward of its own.
class MethodState : public nn::Module {
public:
    Tensor forward(const Tensor&) override;   // throws: the state is used piece by piece
    std::string type_name() const override { return "MethodState"; }
};

// z:(2B,D), the B images of view 1 then the same B images of view 2 -> (z1, z2), each (B,D).
std::pair<Tensor, Tensor> view_halves(const Tensor& z);

// Encoder + projector MLP of `layers` Linear layers (features -> hidden [-> hidden] -> embedding_dim),
// BatchNorm after each hidden Linear when batch_norm, and BatchNorm on the output too when
// output_norm (SimSiam). Evaluation uses the encoder's representation.
Model make_ssl_model(const RunConfig& c, const Dataset& train, Generator& gen, int64_t hidden, int layers,
                     bool batch_norm, bool output_norm = false);
// The predictor of BYOL and SimSiam: Linear(dim, hidden), BatchNorm1d, ReLU, Linear(hidden, dim).
nn::ModulePtr make_predictor(int64_t dim, int64_t hidden, Generator& gen);

// BYOL's schedule of the target's momentum: 1 - (1 - base)(cos(pi step / total) + 1) / 2, from
// base at step 0 to 1 at the last step (and 1 after it, when a resumed run adds epochs).
float cosine_momentum(float base, int64_t step, int64_t total);

// Steps of a run: the default sampler drops the last partial batch.
int64_t total_steps(const RunConfig& c, const Dataset& train);


// "--batch-size 1: barlow needs at least 2 images per view (it standardises over the batch)".
void require_batch_statistics(const RunConfig& c, const std::string& why);

}  // namespace ct::app
