// --method sts-regression (the seeds' regression similarity, as sentence-transformers'
// CosineSimilarityLoss): both sentences of an STS-B training pair encoded by the same encoder,
// cos(u, v) regressed on score / 5 with the mean squared error. --init RUN_DIR starts from the
// weights and vocabulary of a SimCSE run (train_text.cpp).
#include "apps/contrast/text_method.h"
#include "core/ops.h"

namespace ct::app {
namespace {

class StsRegression : public TextMethod {
public:
    std::string name() const override { return "sts-regression"; }
    std::string batch_unit() const override { return "pairs"; }
    void defaults(RunConfig& c, bool) const override {
        text_defaults(c);
        c.batch_size = 32;
        c.lr = 5e-4f;
        c.epochs = 4;
    }
    std::string describe_loss(const RunConfig& c) const override {
        return "MSE of cos(u, v) against score / 5 on the STS-B training pairs";
    }
    int64_t items(const TextData& d) const override { return int64_t(d.scores.size()); }

    // z = encode([a_1..a_B; b_1..b_B]) (2B, D);  L = mean_i (cos(a_i, b_i) - score_i / 5)^2
    // Under mpirun the mean over this rank's pairs: the shards are equal, so the ranks' mean loss
    // and averaged gradients are the global batch's.
    Tensor loss(nn::TextEncoder& enc, const RunConfig&, const TextData& d, const std::vector<int64_t>& batch,
                std::vector<Generator>&) const override {
        const int64_t B = int64_t(batch.size());
        std::vector<std::vector<int64_t>> seqs;
        std::vector<float> target;
        for (int64_t i : batch) seqs.push_back(d.pair_a[size_t(i)]);
        for (int64_t i : batch) {
            seqs.push_back(d.pair_b[size_t(i)]);
            target.push_back(d.scores[size_t(i)] / 5.f);
        }
        const TokenBatch tb = pad_batch(seqs);
        const Tensor z = normalize(enc.encode(tb.ids, tb.padding_mask), 1);
        const Tensor cosine = sum(narrow(z, 0, 0, B) * narrow(z, 0, B, B), 1);   // (B)
        return mean(square(cosine - Tensor::from_vector(target)));
    }
};

}  // namespace

const Method& sts_regression_method() {
    static const StsRegression m;
    return m;
}

}  // namespace ct::app
