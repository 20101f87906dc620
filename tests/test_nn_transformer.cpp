// The text encoder (nn/transformer.h) against a double-precision reference written here with plain
// loops from the formulas of torch.nn.TransformerEncoderLayer (post-norm, gelu): a tiny config with
// weights set by a formula, padded and unpadded sentences. Also PyTorch's state_dict names, padding
// that changes nothing, dropout only in training, and gradients reaching every parameter.
// scripts/transformer_reference.py is the same model in PyTorch (a dev aid); its printed output is
// pinned below.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "core/ops.h"
#include "data/tokenizer.h"
#include "nn/transformer.h"
#include "tests/test_helpers.h"

using namespace ct;
using Mat = std::vector<std::vector<double>>;   // (rows, cols)

namespace {
nn::TextEncoderConfig tiny() {
    nn::TextEncoderConfig c;
    c.vocab = 7;
    c.max_tokens = 5;
    c.dim = 8;
    c.heads = 2;
    c.ff = 16;
    c.layers = 2;
    return c;
}

// the k-th tensor of the state_dict, element i: 0.5 sin(0.37 (i + 1) + 1.1 (k + 1))
std::map<std::string, Tensor> fill(nn::Module& m) {
    std::map<std::string, Tensor> by_name;
    int k = 0;
    for (auto& [name, t] : m.state_dict()) {
        for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = float(0.5 * std::sin(0.37 * double(i + 1) + 1.1 * (k + 1)));
        by_name[name] = t;
        ++k;
    }
    return by_name;
}

// y = x W^T + b, W:(OUT,IN) rows [row0, row0 + OUT)
Mat affine(const Mat& x, const Tensor& w, const Tensor& b, int64_t row0, int64_t out) {
    const int64_t in = w.size(1);
    Mat y(x.size(), std::vector<double>(static_cast<size_t>(out)));
    for (size_t n = 0; n < x.size(); ++n)
        for (int64_t o = 0; o < out; ++o) {
            double s = b.data()[row0 + o];
            for (int64_t i = 0; i < in; ++i) s += double(w.data()[(row0 + o) * in + i]) * x[n][size_t(i)];
            y[n][size_t(o)] = s;
        }
    return y;
}
void layer_norm_rows(Mat& x, const Tensor& g, const Tensor& b) {
    for (auto& row : x) {
        double m = 0, v = 0;
        for (double e : row) m += e / double(row.size());
        for (double e : row) v += (e - m) * (e - m) / double(row.size());
        for (size_t i = 0; i < row.size(); ++i) row[i] = (row[i] - m) / std::sqrt(v + 1e-5) * g.data()[i] + b.data()[i];
    }
}

// One sentence (its real tokens only: padded keys have weight 0, so they can be left out).
std::vector<double> reference(std::map<std::string, Tensor>& p, const std::vector<int64_t>& ids, const nn::TextEncoderConfig& c) {
    const int64_t L = int64_t(ids.size()), D = c.dim, H = c.heads, dh = D / H;
    Mat x(static_cast<size_t>(L), std::vector<double>(static_cast<size_t>(D)));
    for (int64_t j = 0; j < L; ++j)
        for (int64_t d = 0; d < D; ++d)
            x[size_t(j)][size_t(d)] = double(p["tokens.weight"].data()[ids[size_t(j)] * D + d]) + p["positions.weight"].data()[j * D + d];
    for (int64_t layer = 0; layer < c.layers; ++layer) {
        const std::string at = "encoder.layers." + std::to_string(layer) + ".";
        const Tensor &w = p[at + "self_attn.in_proj_weight"], &b = p[at + "self_attn.in_proj_bias"];
        const Mat q = affine(x, w, b, 0, D), k = affine(x, w, b, D, D), v = affine(x, w, b, 2 * D, D);
        Mat heads(static_cast<size_t>(L), std::vector<double>(static_cast<size_t>(D), 0.0));
        for (int64_t h = 0; h < H; ++h)
            for (int64_t i = 0; i < L; ++i) {
                std::vector<double> s(static_cast<size_t>(L));
                double z = 0;
                for (int64_t j = 0; j < L; ++j) {
                    double dot = 0;
                    for (int64_t e = 0; e < dh; ++e) dot += q[size_t(i)][size_t(h * dh + e)] * k[size_t(j)][size_t(h * dh + e)];
                    s[size_t(j)] = std::exp(dot / std::sqrt(double(dh)));
                    z += s[size_t(j)];
                }
                for (int64_t j = 0; j < L; ++j)
                    for (int64_t e = 0; e < dh; ++e) heads[size_t(i)][size_t(h * dh + e)] += s[size_t(j)] / z * v[size_t(j)][size_t(h * dh + e)];
            }
        Mat a = affine(heads, p[at + "self_attn.out_proj.weight"], p[at + "self_attn.out_proj.bias"], 0, D);
        for (int64_t i = 0; i < L; ++i)
            for (int64_t d = 0; d < D; ++d) a[size_t(i)][size_t(d)] += x[size_t(i)][size_t(d)];
        layer_norm_rows(a, p[at + "norm1.weight"], p[at + "norm1.bias"]);
        Mat f = affine(a, p[at + "linear1.weight"], p[at + "linear1.bias"], 0, c.ff);
        for (auto& row : f)
            for (double& e : row) e = 0.5 * e * (1 + std::erf(e / std::sqrt(2.0)));   // gelu, erf form
        Mat g = affine(f, p[at + "linear2.weight"], p[at + "linear2.bias"], 0, D);
        for (int64_t i = 0; i < L; ++i)
            for (int64_t d = 0; d < D; ++d) g[size_t(i)][size_t(d)] += a[size_t(i)][size_t(d)];
        layer_norm_rows(g, p[at + "norm2.weight"], p[at + "norm2.bias"]);
        x = g;
    }
    std::vector<double> mean(static_cast<size_t>(D), 0.0);
    for (const auto& row : x)
        for (int64_t d = 0; d < D; ++d) mean[size_t(d)] += row[size_t(d)] / double(L);
    return mean;
}
}  // namespace

TEST_CASE("TextEncoder: state_dict names are PyTorch's TransformerEncoder ones, in its order") {
    Generator g(1);
    nn::TextEncoder enc(tiny(), g);
    std::vector<std::string> names;
    for (const auto& nt : enc.state_dict()) names.push_back(nt.first);
    std::vector<std::string> want{"tokens.weight", "positions.weight"};
    for (const char* layer : {"0", "1"})
        for (const char* n : {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                              "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                              "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"})
            want.push_back(std::string("encoder.layers.") + layer + "." + n);
    CHECK(names == want);
    // d = 128, 4 heads, FF 512, 2 layers, V = 10,000, 32 positions: 10,032 x 128 embeddings
    // + 2 x (4 x 128^2 + 4 x 128 attention, 2 x 128 x 512 + 512 + 128 feed-forward, 4 x 128 norms)
    nn::TextEncoderConfig big;
    big.vocab = 10000;
    nn::TextEncoder full(big, g);
    CHECK(full.num_parameters() == 10032 * 128 + 2 * (4 * 128 * 128 + 4 * 128 + 2 * 128 * 512 + 512 + 128 + 4 * 128));
}

TEST_CASE("TextEncoder: the sentence embeddings equal the double-loop reference, padded or not") {
    Generator g(2);
    const nn::TextEncoderConfig c = tiny();
    nn::TextEncoder enc(c, g);
    auto params = fill(enc);
    enc.eval();
    const std::vector<std::vector<int64_t>> sentences{{2, 3, 4, 5}, {6, 2}, {1}};
    const TokenBatch b = pad_batch(sentences);
    const Tensor y = enc.encode(b.ids, b.padding_mask);
    REQUIRE(y.shape() == Shape({3, 8}));
    for (size_t s = 0; s < sentences.size(); ++s) {
        const std::vector<double> want = reference(params, sentences[s], c);
        for (int64_t d = 0; d < 8; ++d) {
            INFO("sentence " << s << " dim " << d);
            CHECK(y.at({int64_t(s), d}) == doctest::Approx(want[size_t(d)]).epsilon(1e-4).scale(1.0));
        }
    }
    SUBCASE("forward() on float ids, 0 = <pad>, gives the same") {
        Tensor ids = Tensor::from_vector({2, 3, 4, 5, 6, 2, 0, 0, 1, 0, 0, 0}, {3, 4});
        CHECK(enc.forward(ids).to_vector() == y.to_vector());
    }
    SUBCASE("a sentence alone and in a padded batch: the same embedding") {
        const TokenBatch one = pad_batch({{6, 2}});
        const Tensor alone = enc.encode(one.ids, one.padding_mask);
        for (int64_t d = 0; d < 8; ++d) CHECK(alone.at({0, d}) == doctest::Approx(y.at({1, d})).epsilon(1e-5));
    }
}

// The same three sentences through PyTorch's own nn.TransformerEncoder (post-norm, gelu,
// batch_first, src_key_padding_mask) with the same formula weights, in float64: the output of
// `/usr/bin/python3 scripts/transformer_reference.py` with Debian's python3-torch 1.13.1.
TEST_CASE("TextEncoder: the sentence embeddings equal PyTorch's TransformerEncoder") {
    Generator g(2);
    const nn::TextEncoderConfig c = tiny();
    nn::TextEncoder enc(c, g);
    fill(enc);
    enc.eval();
    const TokenBatch b = pad_batch({{2, 3, 4, 5}, {6, 2}, {1}});
    const Tensor y = enc.encode(b.ids, b.padding_mask);
    const double torch_out[3][8] = {
        {-0.188865, -0.427382, -0.759390, -0.373081, -0.729676, 0.323737, 0.198363, 0.635748},
        {-0.199432, -0.426590, -0.754803, -0.451882, -0.722147, 0.307438, 0.252904, 0.681046},
        {-0.186962, -0.426149, -0.760706, -0.433389, -0.683404, 0.283508, 0.278111, 0.671281},
    };
    for (int64_t s = 0; s < 3; ++s)
        for (int64_t d = 0; d < 8; ++d) {
            INFO("sentence " << s << " dim " << d);
            CHECK(y.at({s, d}) == doctest::Approx(torch_out[s][d]).epsilon(1e-4).scale(1.0));
        }
}

TEST_CASE("TextEncoder: dropout in training only; gradients reach every parameter") {
    Generator g(3);
    nn::TextEncoder enc(tiny(), g, 11);
    const TokenBatch b = pad_batch({{2, 3, 4}, {5, 6}});
    enc.eval();
    const std::vector<float> e1 = enc.encode(b.ids, b.padding_mask).to_vector();
    CHECK(enc.encode(b.ids, b.padding_mask).to_vector() == e1);   // eval: deterministic
    enc.train();
    const Tensor t1 = enc.encode(b.ids, b.padding_mask), t2 = enc.encode(b.ids, b.padding_mask);
    CHECK(t1.to_vector() != t2.to_vector());   // two dropout masks: SimCSE's two views
    sum(square(t1)).backward();
    for (const auto& [name, p] : enc.named_parameters()) {
        INFO(name);
        REQUIRE(p.grad().defined());
        double norm = 0;
        for (float v : p.grad().to_vector()) norm += std::fabs(v);
        // positions 3 and 4 are never used (sequences of at most 3): their rows get 0
        CHECK(norm > 0);
    }
}

TEST_CASE("TextEncoder: errors name the layer and the shapes") {
    Generator g(4);
    nn::TextEncoder enc(tiny(), g);
    const TokenBatch long_batch = pad_batch({{1, 2, 3, 4, 5, 6}});
    CHECK_THROWS_WITH_AS(enc.encode(long_batch.ids, long_batch.padding_mask),
                         doctest::Contains("1 <= L <= max_tokens = 5"), ShapeError);
    CHECK_THROWS_WITH_AS(enc.encode({1, 9}, Tensor::zeros({1, 2})), doctest::Contains("embedding: id 9 out of range"),
                         ShapeError);
    nn::TextEncoderConfig bad = tiny();
    bad.heads = 3;
    CHECK_THROWS_WITH_AS(nn::TextEncoder(bad, g), doctest::Contains("dim 8 must be a positive multiple of heads 3"),
                         ShapeError);
}
