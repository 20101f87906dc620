// The text encoder's layers: shapes are written on each step; the math is core ops
// (linear, scaled_dot_product_attention, layer_norm, gelu, embedding).
#include "nn/transformer.h"

#include "core/ops.h"
#include "nn/init.h"

namespace ct::nn {

LayerNorm::LayerNorm(int64_t dim, float eps_) : eps(eps_) {
    weight = register_parameter("weight", Tensor::ones({dim}));
    bias = register_parameter("bias", Tensor::zeros({dim}));
}
Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, weight, bias, eps); }

Embedding::Embedding(int64_t num, int64_t dim, Generator& gen) {
    CT_CHECK(num > 0 && dim > 0, "Embedding: sizes must be positive, got " << num << " x " << dim);
    Tensor w = Tensor::empty({num, dim});
    weight = register_parameter("weight", normal_(w, 0.f, 1.f, gen));
}
Tensor Embedding::lookup(const std::vector<int64_t>& ids, const Shape& ids_shape) const {
    return embedding(weight, ids, ids_shape);
}
Tensor Embedding::forward(const Tensor& ids) {
    std::vector<int64_t> v(size_t(ids.numel()));
    for (int64_t i = 0; i < ids.numel(); ++i) v[size_t(i)] = int64_t(ids.data()[i]);
    return lookup(v, ids.shape());
}

MultiheadAttention::MultiheadAttention(int64_t dim_, int64_t heads_, Generator& gen) : dim(dim_), heads(heads_) {
    CT_CHECK(dim > 0 && heads > 0 && dim % heads == 0,
             "MultiheadAttention: dim " << dim << " must be a positive multiple of heads " << heads);
    // PyTorch's _reset_parameters: xavier_uniform_ on the (3D, D) matrix, zero biases
    Tensor w = Tensor::empty({3 * dim, dim});
    in_proj_weight = register_parameter("in_proj_weight", xavier_uniform_(w, gen));
    in_proj_bias = register_parameter("in_proj_bias", Tensor::zeros({3 * dim}));
    out_proj = register_module("out_proj", std::make_shared<Linear>(dim, dim, gen));
    constant_(out_proj->bias, 0.f);
}

Tensor MultiheadAttention::attend(const Tensor& x, const Tensor& padding_mask) {
    CT_CHECK(x.dim() == 3 && x.size(2) == dim,
             "MultiheadAttention(" << dim << ", heads=" << heads << "): x must be (N,L," << dim << "), got " << x.shape());
    const int64_t N = x.size(0), L = x.size(1), H = heads, dh = dim / heads;
    // columns of in_proj's output: [q | k | v], each split into H heads of dh
    Tensor qkv = linear(reshape(x, {N * L, dim}), in_proj_weight, in_proj_bias);   // (N*L, 3D)
    qkv = permute(reshape(qkv, {N, L, 3, H, dh}), {2, 0, 3, 1, 4});                 // (3, N, H, L, dh)
    auto part = [&](int64_t i) { return reshape(narrow(qkv, 0, i, 1), {N * H, L, dh}); };
    Tensor head_mask;   // (N*H, L): each sentence's mask once per head
    if (padding_mask.defined()) {
        CT_CHECK(padding_mask.shape() == Shape({N, L}),
                 "MultiheadAttention: padding_mask must be (N,L) = [" << N << ", " << L << "], got " << padding_mask.shape());
        head_mask = reshape(expand(reshape(padding_mask, {N, 1, L}), {N, H, L}), {N * H, L});
    }
    Tensor y = scaled_dot_product_attention(part(0), part(1), part(2), head_mask);   // (N*H, L, dh)
    y = reshape(permute(reshape(y, {N, H, L, dh}), {0, 2, 1, 3}), {N * L, dim});      // heads side by side
    return reshape((*out_proj)(y), {N, L, dim});
}

TransformerEncoderLayer::TransformerEncoderLayer(int64_t dim, int64_t heads, int64_t ff, float p, Generator& gen,
                                                 uint64_t seed) {
    // registration order = PyTorch's state_dict order
    self_attn = register_module("self_attn", std::make_shared<MultiheadAttention>(dim, heads, gen));
    linear1 = register_module("linear1", std::make_shared<Linear>(dim, ff, gen));
    dropout = register_module("dropout", std::make_shared<Dropout>(p, seed));
    linear2 = register_module("linear2", std::make_shared<Linear>(ff, dim, gen));
    norm1 = register_module("norm1", std::make_shared<LayerNorm>(dim));
    norm2 = register_module("norm2", std::make_shared<LayerNorm>(dim));
    dropout1 = register_module("dropout1", std::make_shared<Dropout>(p, seed + 1));
    dropout2 = register_module("dropout2", std::make_shared<Dropout>(p, seed + 2));
}

Tensor TransformerEncoderLayer::encode(const Tensor& x, const Tensor& padding_mask) {
    const int64_t N = x.size(0), L = x.size(1), D = x.size(2);
    Tensor h = (*norm1)(x + (*dropout1)(self_attn->attend(x, padding_mask)));                    // (N,L,D)
    Tensor f = (*linear2)((*dropout)(gelu((*linear1)(reshape(h, {N * L, D})))));               // (N*L,D)
    return (*norm2)(h + (*dropout2)(reshape(f, {N, L, D})));
}

TransformerEncoder::TransformerEncoder(int64_t n, int64_t dim, int64_t heads, int64_t ff, float p, Generator& gen,
                                       uint64_t seed) {
    layers = register_module("layers", std::make_shared<Sequential>());
    for (int64_t i = 0; i < n; ++i)
        layers->push_back(std::make_shared<TransformerEncoderLayer>(dim, heads, ff, p, gen, seed + 3 * uint64_t(i)));
}

Tensor TransformerEncoder::encode(const Tensor& x, const Tensor& padding_mask) {
    Tensor y = x;
    for (size_t i = 0; i < layers->size(); ++i)
        y = static_cast<TransformerEncoderLayer&>(*(*layers)[i]).encode(y, padding_mask);
    return y;
}

TextEncoder::TextEncoder(const TextEncoderConfig& c, Generator& gen, uint64_t seed) : config(c) {
    CT_CHECK(c.vocab >= 2 && c.max_tokens >= 1 && c.layers >= 1 && c.ff >= 1,
             "TextEncoder: vocab " << c.vocab << " (>= 2), max_tokens " << c.max_tokens << ", layers " << c.layers
                                   << ", ff " << c.ff << " (>= 1 each)");
    tokens = register_module("tokens", std::make_shared<Embedding>(c.vocab, c.dim, gen));
    positions = register_module("positions", std::make_shared<Embedding>(c.max_tokens, c.dim, gen));
    dropout = register_module("dropout", std::make_shared<Dropout>(c.dropout, seed));
    encoder = register_module("encoder", std::make_shared<TransformerEncoder>(c.layers, c.dim, c.heads, c.ff, c.dropout,
                                                                               gen, seed + 1));
}

Tensor TextEncoder::encode(const std::vector<int64_t>& ids, const Tensor& mask) {
    CT_CHECK(mask.defined() && mask.dim() == 2 && int64_t(ids.size()) == mask.numel() && mask.size(1) >= 1 &&
                 mask.size(1) <= config.max_tokens,
             "TextEncoder: " << ids.size() << " ids and a padding mask " << (mask.defined() ? mask.shape() : Shape{})
                             << " must be N*L ids and (N,L) with 1 <= L <= max_tokens = " << config.max_tokens);
    const int64_t N = mask.size(0), L = mask.size(1), D = config.dim;
    std::vector<int64_t> pos(static_cast<size_t>(L));
    for (int64_t j = 0; j < L; ++j) pos[size_t(j)] = j;
    Tensor x = tokens->lookup(ids, {N, L}) + reshape(positions->lookup(pos, {L}), {1, L, D});   // (N,L,D)
    x = (*dropout)(x);
    x = encoder->encode(x, mask);
    // mean over real tokens as one batched product: w[n, j] = real(n, j) / count(n)   (N,1,L) @ (N,L,D)
    Tensor w = Tensor::empty({N, 1, L});
    for (int64_t n = 0; n < N; ++n) {
        float count = 0;
        for (int64_t j = 0; j < L; ++j) count += mask.data()[n * L + j] == 0.f;
        CT_CHECK(count > 0, "TextEncoder: sentence " << n << " of the batch has no real token");
        for (int64_t j = 0; j < L; ++j) w.data()[n * L + j] = mask.data()[n * L + j] == 0.f ? 1.f / count : 0.f;
    }
    return reshape(matmul(w, x), {N, D});
}

Tensor TextEncoder::forward(const Tensor& ids) {
    CT_CHECK(ids.dim() == 2, "TextEncoder: ids must be (N,L), got " << ids.shape());
    std::vector<int64_t> v(size_t(ids.numel()));
    for (int64_t i = 0; i < ids.numel(); ++i) v[size_t(i)] = int64_t(ids.data()[i]);
    return encode(v, eq(ids, Tensor::scalar(0.f)));   // id 0 is <pad>
}

}  // namespace ct::nn
