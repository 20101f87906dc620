// Walkthrough 8: unsupervised SimCSE on STS-B sentences with the small Transformer of
// nn/transformer.h: dropout as the augmentation, the InfoNCE similarity matrix before and after a
// short training run, Spearman on STS-B dev against the bag-of-words reference, alignment and
// uniformity, and the nearest training sentences of a few test sentences. The CLI's version is
// `contrast train --method simcse` (apps/contrast/method_simcse.cpp, train_text.cpp).
// Run: ./build/walkthroughs/08_simcse [OUT_DIR] [--steps N] [--text-views dropout|delete|swap|cutoff] [--data-dir DIR]
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/lib/correlation.h"
#include "apps/lib/neighbors.h"
#include "apps/lib/plot.h"
#include "apps/walkthroughs/walkthrough.h"
#include "core/parallel.h"
#include "data/resolve.h"
#include "data/stsb.h"
#include "data/text_views.h"
#include "data/tokenizer.h"
#include "losses/alignment_uniformity.h"
#include "nn/optim.h"
#include "nn/transformer.h"

using namespace ct;
using namespace ct::walkthrough;

namespace {

constexpr float kTemperature = 0.05f;   // the paper's
constexpr int64_t kMaxTokens = 32;
using Ids = std::vector<std::vector<int64_t>>;

// Unit-length embeddings of sentences (eval mode: no dropout), in batches of 256.
Tensor embed(nn::TextEncoder& enc, const Ids& s) {
    NoGradGuard no_grad;
    enc.eval();
    std::vector<Tensor> parts;
    for (size_t i = 0; i < s.size(); i += 256) {
        const TokenBatch b = pad_batch({s.begin() + long(i), s.begin() + long(std::min(s.size(), i + 256))});
        parts.push_back(enc.encode(b.ids, b.padding_mask));
    }
    enc.train();
    return normalize(cat(parts, 0), 1);
}

// Spearman x100 of cos(u, v) against the gold scores; alignment of pairs scored >= 4; uniformity.
struct Scores { double spearman, alignment, uniformity; };
Scores sts(nn::TextEncoder& enc, const Vocabulary& v, const std::vector<SentencePair>& pairs) {
    Ids a, b;
    std::vector<double> gold, cosine;
    std::vector<int64_t> positive;
    for (const SentencePair& p : pairs) {
        a.push_back(v.encode(p.a, kMaxTokens));
        b.push_back(v.encode(p.b, kMaxTokens));
        if (p.score >= 4.f) positive.push_back(int64_t(gold.size()));
        gold.push_back(p.score);
    }
    const Tensor u = embed(enc, a), w = embed(enc, b);
    NoGradGuard no_grad;
    for (float c : sum(u * w, 1).to_vector()) cosine.push_back(c);
    return {100 * spearman(cosine, gold), alignment(index_select(u, 0, positive), index_select(w, 0, positive)).item(),
            uniformity(cat({u, w}, 0)).item()};
}

// InfoNCE's logits for a batch: cos(view 1 of i, view 2 of j) / tau, both views through dropout.
Tensor similarity(nn::TextEncoder& enc, const Ids& batch, TextView kind, Generator& gen) {
    Ids seqs;
    for (int v = 0; v < 2; ++v)
        for (const auto& s : batch) seqs.push_back(text_view(s, kind, 0.2f, gen));
    const TokenBatch tb = pad_batch(seqs);
    const Tensor z = normalize(enc.encode(tb.ids, tb.padding_mask), 1);
    const int64_t B = int64_t(batch.size());
    return matmul(narrow(z, 0, 0, B), narrow(z, 0, B, B), false, true) / kTemperature;
}

void picture(const Tensor& logits, const std::string& title, const std::string& path) {
    HeatmapOptions o;
    o.title = title;
    o.x_label = "view 2 of sentence j";
    o.y_label = "view 1 of sentence i";
    heatmap(logits.detach() * kTemperature, o).save_png(path);
    std::printf("  wrote %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    setup_runtime(argv);
    std::string out_dir = "runs/walkthroughs/08_simcse", data_dir, views = "delete";
    int64_t steps = 150, batch = 64;
    CLI::App app{"Walkthrough 8: SimCSE on STS-B"};
    app.add_option("out_dir", out_dir, "where the pictures go");
    app.add_option("--data-dir", data_dir, "the only folder searched for stsb/");
    app.add_option("--steps", steps, "training steps of batch 64")->check(CLI::PositiveNumber);
    app.add_option("--text-views", views, "dropout|delete|swap|cutoff (delete: 20% of words)")
        ->check(CLI::IsMember(text_view_names()));
    CLI11_PARSE(app, argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    StsbData data;
    try {
        data = load_stsb(find_dataset("stsb", Split::Train, data_dir));
    } catch (const IoError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    std::filesystem::create_directories(out_dir);
    const auto t0 = std::chrono::steady_clock::now();

    say("\n(1) Words to ids. The vocabulary comes from the training sentences (data/tokenizer.h):");
    const std::vector<std::string> sentences = unique_sentences(data.train);
    const Vocabulary vocab = Vocabulary::build(sentences, 2);
    const Ids train_ids = [&] { Ids v; for (const auto& s : sentences) v.push_back(vocab.encode(s, kMaxTokens)); return v; }();
    std::printf("  %zu distinct training sentences, %ld words seen at least twice (+ <pad>, <unk>)\n", sentences.size(),
                long(vocab.size() - 2));
    std::printf("  \"%s\" -> ", sentences[0].c_str());
    for (int64_t id : vocab.encode(sentences[0], kMaxTokens)) std::printf("%s(%ld) ", vocab.word(id).c_str(), long(id));

    say("\n\n(2) Dropout is the augmentation: one sentence through the same encoder twice.");
    Generator gen(0);
    nn::TextEncoderConfig config;
    config.vocab = vocab.size();
    config.max_tokens = kMaxTokens;
    nn::TextEncoder enc(config, gen, 1);
    {
        NoGradGuard no_grad;
        const TokenBatch b = pad_batch({train_ids[0], train_ids[0], train_ids[1]});
        enc.train();
        Tensor z = normalize(enc.encode(b.ids, b.padding_mask), 1);
        std::printf("  training mode (dropout 0.1): cos(view 1, view 2) = %.4f; with another sentence %.4f\n",
                    double(sum(narrow(z, 0, 0, 1) * narrow(z, 0, 1, 1)).item()),
                    double(sum(narrow(z, 0, 0, 1) * narrow(z, 0, 2, 1)).item()));
        enc.eval();
        z = normalize(enc.encode(b.ids, b.padding_mask), 1);
        std::printf("  eval mode (no dropout):      cos(view 1, view 2) = %.4f\n", double(sum(narrow(z, 0, 0, 1) * narrow(z, 0, 1, 1)).item()));
        enc.train();
    }
    say("  Two dropout masks make two slightly different views; InfoNCE asks each view to find its twin\n"
        "  among the batch. From scratch that is easy: nothing else about the two copies differs. Word\n"
        "  deletion (--text-views delete) removes 20% of the words from each view, which makes it harder.");

    say("\n(3) The InfoNCE similarity matrix of 12 sentences, before training (diagonal: the positives).\n"
        "  Neighbouring rows are often the two sentences of one STS-B pair: a bright cell beside the\n"
        "  diagonal is a paraphrase that InfoNCE treats as a negative.");
    const TextView kind = text_view_from_name(views);
    const Ids shown(train_ids.begin(), train_ids.begin() + 12);
    {
        NoGradGuard no_grad;
        picture(similarity(enc, shown, kind, gen), "cos(view 1, view 2) before training", out_dir + "/similarity_before.png");
    }
    const Scores before = sts(enc, vocab, data.dev);
    std::printf("  untrained: STS-B dev Spearman x100 %.2f, alignment %.3f, uniformity %.3f\n", before.spearman,
                before.alignment, before.uniformity);

    std::printf("\n(4) Training: %ld steps of %ld sentences x 2 views, views '%s', tau %.2f, Adam lr 1e-3.\n", long(steps),
                long(batch), views.c_str(), double(kTemperature));
    nn::AdamOptions ao;
    ao.lr = 1e-3f;
    nn::Adam opt(enc.named_parameters(), ao);
    std::vector<int64_t> targets;
    for (int64_t i = 0; i < batch; ++i) targets.push_back(i);
    for (int64_t step = 0; step < steps; ++step) {
        Ids b;
        for (int64_t i = 0; i < batch; ++i) b.push_back(train_ids[size_t(gen.randint(int64_t(train_ids.size())))]);
        Tensor loss = cross_entropy(similarity(enc, b, kind, gen), targets);
        opt.zero_grad();
        loss.backward();
        opt.step();
        if (step % 25 == 0 || step + 1 == steps)
            std::printf("  step %4ld  loss %.4f  (chance: ln %ld = %.2f)\n", long(step + 1), double(loss.item()), long(batch),
                        std::log(double(batch)));
    }

    say("\n(5) After training:");
    {
        NoGradGuard no_grad;
        picture(similarity(enc, shown, kind, gen), "cos(view 1, view 2) after training", out_dir + "/similarity_after.png");
    }
    const Scores after = sts(enc, vocab, data.dev);
    std::printf("  STS-B dev Spearman x100 %.2f (untrained %.2f; bag-of-words count cosine, no training: 58.76)\n",
                after.spearman, before.spearman);
    std::printf("  alignment %.3f (untrained %.3f; lower = pairs scored >= 4 closer), uniformity %.3f (untrained\n"
                "  %.3f; lower = sentences spread wider over the sphere). An untrained encoder puts every sentence\n"
                "  in one narrow cone: paraphrases are close only because everything is. Training spreads the\n"
                "  sentences out; Spearman says whether what it gave up in alignment was worth it.\n",
                after.alignment, before.alignment, after.uniformity, before.uniformity);

    say("\n(6) Nearest training sentences of three test sentences (cosine):");
    const std::vector<std::string> queries = {data.test[0].a, data.test[400].a, data.test[800].a};
    Ids query_ids;
    for (const std::string& text : queries) query_ids.push_back(vocab.encode(text, kMaxTokens));
    const Neighbors nb = knn_search(embed(enc, query_ids), embed(enc, train_ids), 3);   // apps/lib/neighbors.h
    for (size_t q = 0; q < queries.size(); ++q) {
        std::printf("  \"%s\"\n", queries[q].c_str());
        for (size_t k = q * 3; k < q * 3 + 3; ++k)
            std::printf("      %.3f  %s\n", double(nb.score[k]), sentences[size_t(nb.index[k])].c_str());
    }
    std::printf("\ndone in %.0f s\n", seconds_since(t0));
    return 0;
}
