// The model zoo: builders for E1, E2, heads and MLPs, and the Siamese / encoder+projector wrappers.
// Construction order = PyTorch's module order, so parameters draw from the generator in that order.
#include "nn/models.h"

#include "nn/activations.h"
#include "nn/basic_layers.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/pool.h"

namespace ct::nn {

std::shared_ptr<Sequential> make_e1(int64_t embed_dim, Generator& gen) {
    CT_CHECK(embed_dim > 0, "make_e1: embedding dim must be positive, got " << embed_dim);
    auto s = std::make_shared<Sequential>();
    s->push_back(std::make_shared<Conv2d>(1, 32, 5, gen, 1, 2));    // (N,32,28,28)
    s->push_back(std::make_shared<ReLU>());
    s->push_back(std::make_shared<MaxPool2d>(2));                  // (N,32,14,14)
    s->push_back(std::make_shared<Conv2d>(32, 64, 5, gen, 1, 2));   // (N,64,14,14)
    s->push_back(std::make_shared<ReLU>());
    s->push_back(std::make_shared<MaxPool2d>(2));                  // (N,64,7,7)
    s->push_back(std::make_shared<Flatten>());                     // (N,3136)
    s->push_back(std::make_shared<Linear>(64 * 7 * 7, 256, gen));
    s->push_back(std::make_shared<ReLU>());
    s->push_back(std::make_shared<Linear>(256, embed_dim, gen));   // (N,D)
    return s;
}

std::shared_ptr<Sequential> make_e2(int64_t width, Generator& gen) {
    CT_CHECK(width > 0, "make_e2: width must be positive, got " << width);
    auto s = std::make_shared<Sequential>();
    int64_t c_in = 3;
    for (int64_t c : {width, 2 * width, 4 * width}) {
        for (int64_t i = 0; i < 2; ++i) {
            s->push_back(std::make_shared<Conv2d>(i == 0 ? c_in : c, c, 3, gen, 1, 1, false));   // BN follows
            s->push_back(std::make_shared<BatchNorm2d>(c));
            s->push_back(std::make_shared<ReLU>());
        }
        s->push_back(std::make_shared<MaxPool2d>(2));   // 32 -> 16 -> 8 -> 4
        c_in = c;
    }
    // PyTorch's E2 (docs/REFERENCE.md) ends with AdaptiveAvgPool2d(1) + Flatten: two modules, kept so indices line up.
    s->push_back(std::make_shared<GlobalAvgPool2d>());   // (N,4w)
    s->push_back(std::make_shared<Flatten>());
    return s;
}

std::shared_ptr<Sequential> make_projection_head(int64_t in, int64_t hidden, int64_t out, Generator& gen, int layers,
                                                 bool batch_norm) {
    CT_CHECK(layers == 2 || layers == 3, "make_projection_head: layers must be 2 or 3, got " << layers);
    CT_CHECK(in > 0 && hidden > 0 && out > 0,
             "make_projection_head: sizes must be positive, got " << in << ", " << hidden << ", " << out);
    auto s = std::make_shared<Sequential>();
    int64_t c = in;
    for (int l = 0; l < layers - 1; ++l) {
        s->push_back(std::make_shared<Linear>(c, hidden, gen, !batch_norm));
        if (batch_norm) s->push_back(std::make_shared<BatchNorm1d>(hidden));
        s->push_back(std::make_shared<ReLU>());
        c = hidden;
    }
    s->push_back(std::make_shared<Linear>(c, out, gen));
    return s;
}

std::shared_ptr<Sequential> make_mlp(const std::vector<int64_t>& sizes, Generator& gen) {
    CT_CHECK(sizes.size() >= 2, "make_mlp: need at least input and output sizes, got " << sizes.size() << " sizes");
    auto s = std::make_shared<Sequential>();
    for (size_t i = 0; i + 1 < sizes.size(); ++i) {
        s->push_back(std::make_shared<Linear>(sizes[i], sizes[i + 1], gen));
        if (i + 2 < sizes.size()) s->push_back(std::make_shared<ReLU>());
    }
    return s;
}

SiameseNet::SiameseNet(ModulePtr enc) : encoder(register_module("encoder", std::move(enc))) {}

Tensor SiameseNet::forward(const Tensor& x) { return (*encoder)(x); }

std::pair<Tensor, Tensor> SiameseNet::forward_pair(const Tensor& x1, const Tensor& x2) {
    return {(*encoder)(x1), (*encoder)(x2)};
}

EncoderProjector::EncoderProjector(ModulePtr enc, ModulePtr hd)
    : encoder(register_module("encoder", std::move(enc))), head(register_module("head", std::move(hd))) {}

Tensor EncoderProjector::forward(const Tensor& x) { return (*head)((*encoder)(x)); }

Tensor EncoderProjector::representation(const Tensor& x) { return (*encoder)(x); }

std::pair<Tensor, Tensor> EncoderProjector::forward_both(const Tensor& x) {
    Tensor h = (*encoder)(x);
    return {h, (*head)(h)};
}

std::shared_ptr<EncoderProjector> make_e2_simclr(int64_t width, Generator& gen) {
    auto encoder = make_e2(width, gen);
    auto head = make_projection_head(4 * width, 4 * width, 2 * width, gen);
    return std::make_shared<EncoderProjector>(encoder, head);
}

}  // namespace ct::nn
