// Text methods: sentence encoders trained on STS-B (data/stsb.h) with the Transformer of
// nn/transformer.h. They sit in the same registry as the image methods (names, defaults, the
// summary) but train in their own loop, train_text.cpp, and are evaluated by evaluate_text.cpp:
// the image loop's loader, online P@1 and kNN evaluation have no meaning for sentences.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "apps/contrast/method.h"
#include "apps/contrast/train.h"
#include "data/stsb.h"
#include "data/tokenizer.h"
#include "nn/transformer.h"

namespace ct::app {

// The text of a run, tokenized once.
struct TextData {
    std::string folder;                              // where STS-B was found
    StsbData stsb;
    Vocabulary vocab;
    std::vector<std::vector<int64_t>> sentences;     // the distinct training sentences, as ids
    std::vector<std::vector<int64_t>> pair_a, pair_b;  // the training pairs, as ids
    std::vector<float> scores;                       // their gold scores, 0..5
};
// Finds and reads STS-B (--data stsb, --data-dir), tokenizes with `vocab`.
TextData load_text_data(const RunConfig& c, Vocabulary vocab);

class TextMethod : public Method {
public:
    const TextMethod* text() const override { return this; }
    std::string batch_unit() const override { return "sentences"; }
    // The training items the sampler shuffles (sentences or pairs).
    virtual int64_t items(const TextData& d) const = 0;
    // The loss of one batch of item indices (under mpirun, this rank's shard of the global batch).
    // views: one generator per item, seeded by its position in the global batch sequence, so K
    // ranks draw the views one process draws. A loss over the global batch (SimCSE's negatives) is
    // written with losses/global_batch.h: the mean over ranks is the 1-process loss.
    virtual Tensor loss(nn::TextEncoder& encoder, const RunConfig& c, const TextData& d,
                        const std::vector<int64_t>& batch, std::vector<Generator>& views) const = 0;
    // The image interface does not apply: train() hands text methods to train_text first.
    Model model(const RunConfig& c, const Dataset&, Generator&) const override;
    std::unique_ptr<Objective> objective(const RunConfig& c, const Model&, const Dataset&) const override;
    // Text defaults shared by the text methods: d = --embedding-dim 128, Adam.
    void text_defaults(RunConfig& c) const;
    void finish(RunConfig& c) const override;   // checks --data and --embedding-dim
};

// The encoder of a run: d = --embedding-dim, 4 heads, FF 4d, 2 layers, --max-tokens, --dropout.
nn::TextEncoderConfig encoder_config(const RunConfig& c, int64_t vocab);
// Embeddings (N,D) of sentences, in eval mode and without a graph, in batches.
Tensor embed_sentences(nn::TextEncoder& encoder, const std::vector<std::vector<int64_t>>& sentences, int64_t batch = 256);
// Ids of the sentences, each cut at max_tokens.
std::vector<std::vector<int64_t>> encode_all(const Vocabulary& v, const std::vector<std::string>& s, int64_t max_tokens);

// How well cosines of the two sentences' embeddings follow the gold scores of `pairs` (x100), and
// alignment (pairs scored >= 4, the SimCSE paper's positives) and uniformity (every sentence) of
// the unit-length embeddings (losses/alignment_uniformity.h).
struct StsScores {
    double spearman = 0, pearson = 0, alignment = 0, uniformity = 0;
    int64_t pairs = 0;
};
StsScores sts_scores(nn::TextEncoder& encoder, const Vocabulary& vocab, const std::vector<SentencePair>& pairs,
                     int64_t max_tokens);

// Spearman x100 of the cosine of word-count vectors (the training-free baseline) against the gold scores.
double bag_of_words_spearman(const std::vector<SentencePair>& pairs);

// A text run read back: its config, vocabulary and the encoder with the checkpoint's weights (eval mode).
struct LoadedTextRun {
    RunConfig config;
    Vocabulary vocab;
    std::unique_ptr<nn::TextEncoder> encoder;
};
LoadedTextRun load_text_run(const std::string& run_dir, const std::string& checkpoint);   // checkpoint: best|last

int train_text(const TextMethod& method, RunConfig config, const TrainOptions& options);
int evaluate_text(const std::string& run_dir, const std::string& checkpoint);
// `contrast retrieve` of a text run: the `neighbors` nearest distinct STS-B training sentences of
// the first `queries` distinct test sentences, by cosine of their embeddings, printed.
int retrieve_text(const std::string& run_dir, int64_t queries, int64_t neighbors, const std::string& checkpoint);

}  // namespace ct::app
