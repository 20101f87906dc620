// A small Transformer encoder for sentences: token + learned position embeddings, post-norm encoder
// layers as torch.nn.TransformerEncoderLayer (activation="gelu", batch_first=True), and the mean of
// the outputs over real tokens as the sentence embedding. State_dict names are PyTorch's:
//   tokens.weight  positions.weight  encoder.layers.<i>.{self_attn.in_proj_weight, self_attn.in_proj_bias,
//   self_attn.out_proj.weight, self_attn.out_proj.bias, linear1.*, linear2.*, norm1.*, norm2.*}
// so a checkpoint loads into the PyTorch twin in docs/REFERENCE.md. Left out: dropout on the
// attention weights (PyTorch's MultiheadAttention drops them too; here only the three residual /
// feed-forward dropouts and one on the embeddings are applied). Ids and padding masks come from
// data/tokenizer.h (pad_batch); id 0 is <pad> there and here.
#pragma once
#include <memory>
#include <vector>

#include "core/random.h"
#include "nn/basic_layers.h"
#include "nn/linear.h"
#include "nn/sequential.h"

namespace ct::nn {

// torch.nn.LayerNorm over the last dimension: weight 1, bias 0 at the start.
class LayerNorm : public Module {
public:
    explicit LayerNorm(int64_t dim, float eps = 1e-5f);
    Tensor forward(const Tensor& x) override;   // (..., D) -> (..., D)
    std::string type_name() const override { return "LayerNorm"; }
    float eps;
    Tensor weight, bias;
};

// torch.nn.Embedding: weight (V,D) ~ N(0, 1).
class Embedding : public Module {
public:
    Embedding(int64_t num, int64_t dim, Generator& gen);
    Tensor lookup(const std::vector<int64_t>& ids, const Shape& ids_shape) const;   // -> ids_shape + (D)
    Tensor forward(const Tensor& ids) override;   // ids as floats (small integers are exact)
    std::string type_name() const override { return "Embedding"; }
    Tensor weight;
};

// torch.nn.MultiheadAttention (self-attention, batch_first): in_proj (3D, D) holds W_q, W_k, W_v.
class MultiheadAttention : public Module {
public:
    MultiheadAttention(int64_t dim, int64_t heads, Generator& gen);
    // x:(N,L,D)  padding_mask:(N,L), 1 = padded, or undefined  ->  (N,L,D)
    Tensor attend(const Tensor& x, const Tensor& padding_mask);
    Tensor forward(const Tensor& x) override { return attend(x, Tensor()); }
    std::string type_name() const override { return "MultiheadAttention"; }
    int64_t dim, heads;
    Tensor in_proj_weight, in_proj_bias;
    std::shared_ptr<Linear> out_proj;
};

class TransformerEncoderLayer : public Module {
public:
    TransformerEncoderLayer(int64_t dim, int64_t heads, int64_t ff, float dropout, Generator& gen, uint64_t seed);
    // Post-norm: x = norm1(x + drop1(attn(x))); x = norm2(x + drop2(linear2(drop(gelu(linear1(x))))))
    Tensor encode(const Tensor& x, const Tensor& padding_mask);   // (N,L,D) -> (N,L,D)
    Tensor forward(const Tensor& x) override { return encode(x, Tensor()); }
    std::string type_name() const override { return "TransformerEncoderLayer"; }
    std::shared_ptr<MultiheadAttention> self_attn;
    std::shared_ptr<Linear> linear1, linear2;
    std::shared_ptr<Dropout> dropout, dropout1, dropout2;
    std::shared_ptr<LayerNorm> norm1, norm2;
};

// torch.nn.TransformerEncoder without a final norm: the layers, named layers.<i>.
class TransformerEncoder : public Module {
public:
    TransformerEncoder(int64_t layers, int64_t dim, int64_t heads, int64_t ff, float dropout, Generator& gen, uint64_t seed);
    Tensor encode(const Tensor& x, const Tensor& padding_mask);   // (N,L,D) -> (N,L,D)
    Tensor forward(const Tensor& x) override { return encode(x, Tensor()); }
    std::string type_name() const override { return "TransformerEncoder"; }
    std::shared_ptr<Sequential> layers;
};

struct TextEncoderConfig {
    int64_t vocab = 0;          // rows of tokens.weight (Vocabulary::size())
    int64_t max_tokens = 32;    // rows of positions.weight: the longest sequence
    int64_t dim = 128, heads = 4, ff = 512, layers = 2;
    float dropout = 0.1f;
};

class TextEncoder : public Module {
public:
    // seed: the dropout generators' (one per dropout layer), apart from gen, which draws the weights
    TextEncoder(const TextEncoderConfig& config, Generator& gen, uint64_t seed = 0);
    // ids (N*L, row-major) and padding_mask (N,L), 1 = padded -> the sentence embeddings (N,D):
    // the mean of the last layer's outputs over real tokens. Every row needs a real token.
    Tensor encode(const std::vector<int64_t>& ids, const Tensor& padding_mask);
    // ids as floats (N,L), 0 = <pad> (summary() and quick experiments); every row needs a real token
    Tensor forward(const Tensor& ids) override;
    std::string type_name() const override { return "TextEncoder"; }
    TextEncoderConfig config;
    std::shared_ptr<Embedding> tokens, positions;
    std::shared_ptr<Dropout> dropout;
    std::shared_ptr<TransformerEncoder> encoder;
};

}  // namespace ct::nn
