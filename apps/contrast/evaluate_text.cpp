// `contrast eval` of a text run, and the STS scores that training checks on dev every epoch:
// Spearman and Pearson (x100) of cos(u, v) against the gold scores, alignment and uniformity.
#include <cmath>
#include <cstdio>
#include <map>
#include <fstream>

#include "apps/contrast/evaluate.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/correlation.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "data/resolve.h"
#include "losses/alignment_uniformity.h"
#include "nn/checkpoint.h"

namespace ct::app {

StsScores sts_scores(nn::TextEncoder& encoder, const Vocabulary& vocab, const std::vector<SentencePair>& pairs,
                     int64_t max_tokens) {
    std::vector<std::string> a, b;
    for (const SentencePair& p : pairs) a.push_back(p.a), b.push_back(p.b);
    const Tensor u = normalize(embed_sentences(encoder, encode_all(vocab, a, max_tokens)), 1);   // (P, D)
    const Tensor v = normalize(embed_sentences(encoder, encode_all(vocab, b, max_tokens)), 1);
    NoGradGuard no_grad;
    const std::vector<float> cosine = sum(u * v, 1).to_vector();
    std::vector<double> cos_d(cosine.begin(), cosine.end()), gold;
    std::vector<int64_t> positive;
    for (size_t i = 0; i < pairs.size(); ++i) {
        gold.push_back(pairs[i].score);
        if (pairs[i].score >= 4.f) positive.push_back(int64_t(i));
    }
    StsScores s;
    s.pairs = int64_t(pairs.size());
    s.spearman = 100 * spearman(cos_d, gold);
    s.pearson = 100 * pearson(cos_d, gold);
    if (!positive.empty())
        s.alignment = alignment(index_select(u, 0, positive), index_select(v, 0, positive)).item();
    const Tensor all = embed_sentences(encoder, encode_all(vocab, unique_sentences(pairs), max_tokens));
    s.uniformity = uniformity(all).item();
    return s;
}

// The training-free reference: cosine of the two sentences' word-count vectors (every token, no
// vocabulary cut). shared/data/stsb/README.md lists it at 58.76 (dev) and 49.40 (test) Spearman.
double bag_of_words_spearman(const std::vector<SentencePair>& pairs) {
    std::vector<double> cosine, gold;
    for (const SentencePair& p : pairs) {
        std::map<std::string, double> a, b;
        for (const std::string& t : tokenize(p.a)) a[t] += 1;
        for (const std::string& t : tokenize(p.b)) b[t] += 1;
        double dot = 0, na = 0, nb = 0;
        for (const auto& [t, n] : a) {
            na += n * n;
            const auto it = b.find(t);
            if (it != b.end()) dot += n * it->second;
        }
        for (const auto& tn : b) nb += tn.second * tn.second;
        cosine.push_back(na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0);
        gold.push_back(p.score);
    }
    return 100 * spearman(cosine, gold);
}

LoadedTextRun load_text_run(const std::string& run_dir, const std::string& checkpoint) {
    LoadedTextRun r{load_config(run_dir), Vocabulary::load(run_dir + "/vocab.txt"), nullptr};
    set_num_threads(load_threads(r.config));
    Generator gen(r.config.seed);
    r.encoder = std::make_unique<nn::TextEncoder>(encoder_config(r.config, r.vocab.size()), gen, r.config.seed);
    const std::string path = run_dir + "/" + checkpoint + ".safetensors";
    nn::load_checkpoint(path, *r.encoder);
    check_finite_weights(*r.encoder, path);
    r.encoder->eval();
    return r;
}

int evaluate_text(const std::string& run_dir, const std::string& checkpoint) {
    LoadedTextRun r = load_text_run(run_dir, checkpoint);
    const RunConfig& c = r.config;
    const Vocabulary& vocab = r.vocab;
    nn::TextEncoder& encoder = *r.encoder;
    const std::string folder = find_dataset("stsb", Split::Train, c.data_dir);
    const StsbData data = load_stsb(folder);
    std::printf("evaluating %s (%s checkpoint) on STS-B (%s): cosine of the two sentence embeddings against the gold score\n",
                run_dir.c_str(), checkpoint.c_str(), folder.c_str());
    std::printf("  split  pairs  Spearman x100  Pearson x100  alignment  uniformity\n");
    nlohmann::json out = {{"run", run_dir}, {"checkpoint", checkpoint}, {"data", "stsb"},
                          {"similarity", "cosine of mean-pooled encoder outputs"},
                          {"alignment_pairs", "gold score >= 4"}};
    for (const auto& [name, pairs] : {std::pair<const char*, const std::vector<SentencePair>*>{"dev", &data.dev},
                                      {"test", &data.test}}) {
        const StsScores s = sts_scores(encoder, vocab, *pairs, c.max_tokens);
        std::printf("  %-5s %6ld  %13.2f  %12.2f  %9.4f  %10.4f\n", name, long(s.pairs), s.spearman, s.pearson, s.alignment,
                    s.uniformity);
        out[name] = {{"pairs", s.pairs}, {"spearman_x100", s.spearman}, {"pearson_x100", s.pearson},
                     {"alignment", s.alignment}, {"uniformity", s.uniformity}};
    }
    const double bow_dev = bag_of_words_spearman(data.dev), bow_test = bag_of_words_spearman(data.test);
    std::printf("  reference without training, bag-of-words count cosine: Spearman x100 %.2f (dev), %.2f (test)\n",
                bow_dev, bow_test);
    out["bag_of_words_spearman_x100"] = {{"dev", bow_dev}, {"test", bow_test}};
    const std::string json_path = run_dir + "/eval.json";
    std::ofstream f(json_path);
    f << out.dump(2) << "\n";
    f.flush();
    CT_CHECK_AS(IoError, f.good(), json_path << ": cannot write (disk full or no permission?)");
    std::printf("wrote %s\n", json_path.c_str());
    return 0;
}

}  // namespace ct::app
