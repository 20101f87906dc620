// What the text methods share: their defaults and checks, STS-B tokenized, the encoder's
// configuration, and embedding sentences for evaluation.
#include "apps/contrast/text_method.h"

#include "core/autograd.h"
#include "core/check.h"
#include "core/ops.h"
#include "data/resolve.h"

namespace ct::app {

Model TextMethod::model(const RunConfig& c, const Dataset&, Generator&) const {
    CT_THROW(ValueError, "--method " << c.method << " encodes sentences: it has no image model");
}
std::unique_ptr<Objective> TextMethod::objective(const RunConfig& c, const Model&, const Dataset&) const {
    CT_THROW(ValueError, "--method " << c.method << " encodes sentences: it has no image objective");
}

void TextMethod::text_defaults(RunConfig& c) const {
    c.data = "stsb";
    c.model = "transformer";
    c.embedding_dim = 128;
    c.optimizer = "adam";
    c.weight_decay = 0.f;
    c.schedule = "constant";
    c.augment = false;
}

void TextMethod::finish(RunConfig& c) const {
    CT_CHECK_AS(ValueError, c.data == "stsb",
                "--data " << c.data << ": --method " << c.method << " trains on sentence pairs: use --data stsb");
    CT_CHECK_AS(ValueError, c.model == "transformer",
                "--model " << c.model << ": --method " << c.method << " uses --model transformer");
    CT_CHECK_AS(ValueError, c.embedding_dim % 4 == 0 && c.embedding_dim <= 1024,
                "--embedding-dim " << c.embedding_dim << ": the text encoder's width must be a multiple of its 4 heads, "
                                   << "at most 1024");
}

nn::TextEncoderConfig encoder_config(const RunConfig& c, int64_t vocab) {
    nn::TextEncoderConfig e;
    e.vocab = vocab;
    e.max_tokens = c.max_tokens;
    e.dim = c.embedding_dim;
    e.heads = 4;
    e.ff = 4 * c.embedding_dim;
    e.layers = 2;
    e.dropout = c.dropout;
    return e;
}

std::vector<std::vector<int64_t>> encode_all(const Vocabulary& v, const std::vector<std::string>& s, int64_t max_tokens) {
    std::vector<std::vector<int64_t>> out;
    out.reserve(s.size());
    for (const std::string& x : s) out.push_back(v.encode(x, max_tokens));
    return out;
}

TextData load_text_data(const RunConfig& c, Vocabulary vocab) {
    TextData d;
    d.folder = find_dataset("stsb", Split::Train, c.data_dir);
    d.stsb = load_stsb(d.folder);
    d.vocab = std::move(vocab);
    d.sentences = encode_all(d.vocab, unique_sentences(d.stsb.train), c.max_tokens);
    for (const SentencePair& p : d.stsb.train) {
        d.pair_a.push_back(d.vocab.encode(p.a, c.max_tokens));
        d.pair_b.push_back(d.vocab.encode(p.b, c.max_tokens));
        d.scores.push_back(p.score);
    }
    return d;
}

Tensor embed_sentences(nn::TextEncoder& encoder, const std::vector<std::vector<int64_t>>& sentences, int64_t batch) {
    NoGradGuard no_grad;
    const bool was_training = encoder.is_training();
    encoder.eval();
    std::vector<Tensor> parts;
    for (size_t start = 0; start < sentences.size(); start += size_t(batch)) {
        const size_t end = std::min(sentences.size(), start + size_t(batch));
        const TokenBatch b = pad_batch({sentences.begin() + long(start), sentences.begin() + long(end)});
        parts.push_back(encoder.encode(b.ids, b.padding_mask));
    }
    encoder.train(was_training);
    return cat(parts, 0);
}

}  // namespace ct::app
