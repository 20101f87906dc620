// The model zoo of docs/REFERENCE.md: E1 (MNIST ConvNet), E2 (CIFAR ConvNet) and its
// projection head, an MLP for toy 2-D data, and the two wrappers that training code uses:
// SiameseNet (one encoder, two inputs) and EncoderProjector (SimCLR/SupCon: representation h,
// projection z). Layer order and names match the PyTorch definitions in docs/REFERENCE.md, so state_dict keys do.
// The CIFAR ResNet-18 is in nn/resnet.h.
#pragma once
#include <utility>

#include "core/random.h"
#include "nn/sequential.h"

namespace ct::nn {

// E1, (N,1,28,28) -> (N,D): Conv(1,32,5,2)+bias, ReLU, MaxPool 2, Conv(32,64,5,2)+bias, ReLU,
// MaxPool 2, Flatten (3136), Linear(3136,256), ReLU, Linear(256,D). D=64: 871,616 parameters.
std::shared_ptr<Sequential> make_e1(int64_t embed_dim, Generator& gen);

// E2, (N,3,32,32) -> (N,4w): three stages of [Conv3x3 (no bias), BN, ReLU] x 2 + MaxPool 2 with
// widths w, 2w, 4w, then global average pool + Flatten. w=32: 287,456 parameters.
std::shared_ptr<Sequential> make_e2(int64_t width, Generator& gen);

// Projection head MLP, (N,IN) -> (N,OUT): layers = 2 gives Linear(IN,H), [BN1d], ReLU, Linear(H,OUT);
// layers = 3 repeats the hidden block once more. Hidden Linears drop their bias when BN follows.
std::shared_ptr<Sequential> make_projection_head(int64_t in, int64_t hidden, int64_t out, Generator& gen,
                                                 int layers = 2, bool batch_norm = false);

// MLP for toy data: sizes {2, 64, 64, 2} -> Linear, ReLU, Linear, ReLU, Linear (no final activation).
std::shared_ptr<Sequential> make_mlp(const std::vector<int64_t>& sizes, Generator& gen);

// Siamese network: one encoder applied to both inputs. The weights are shared by construction (the
// same tensors enter both graphs), so backward sums the two branches' gradients into them.
class SiameseNet : public Module {
public:
    explicit SiameseNet(ModulePtr encoder);
    Tensor forward(const Tensor& x) override;   // the embedding of one batch
    std::pair<Tensor, Tensor> forward_pair(const Tensor& x1, const Tensor& x2);
    std::string type_name() const override { return "SiameseNet"; }
    ModulePtr encoder;
};

// Encoder + projection head ("encoder.*", "head.*" as PyTorch's SimCLRNet in docs/REFERENCE.md). forward returns the
// projection z = head(encoder(x)) the contrastive loss uses; representation(x) returns h =
// encoder(x), which linear evaluation and k-NN use.
class EncoderProjector : public Module {
public:
    EncoderProjector(ModulePtr encoder, ModulePtr head);
    Tensor forward(const Tensor& x) override;
    Tensor representation(const Tensor& x);
    std::pair<Tensor, Tensor> forward_both(const Tensor& x);   // {h, z} from one encoder pass
    std::string type_name() const override { return "EncoderProjector"; }
    ModulePtr encoder, head;
};

// E2 of width w with its head Linear(4w,4w), ReLU, Linear(4w,2w): the W3/W4 model.
// w=32: 312,224 parameters; w=64: 1,244,992.
std::shared_ptr<EncoderProjector> make_e2_simclr(int64_t width, Generator& gen);

}  // namespace ct::nn
