// --method simcse (unsupervised SimCSE, Gao, Yao & Chen 2021): every training sentence encoded twice
// in one batch, so each copy draws its own dropout masks; InfoNCE over cosine / tau with the other
// sentences of the batch as negatives. --text-views adds word deletion, swaps or span cutoff to
// both copies (data/text_views.h): from scratch, dropout alone is matched trivially (issue 13).
#include "apps/contrast/text_method.h"
#include "core/ops.h"
#include "data/text_views.h"
#include "losses/global_batch.h"

namespace ct::app {
namespace {

class SimCSE : public TextMethod {
public:
    std::string name() const override { return "simcse"; }
    void defaults(RunConfig& c, bool) const override {
        text_defaults(c);
        // The paper's tau 0.05 and batch 64; lr 1e-3 for a model trained from scratch (3e-5 is for BERT).
        c.temperature = 0.05f;
        c.batch_size = 64;
        c.lr = 1e-3f;
        c.epochs = 3;
        // Measured on STS-B (README), one epoch from scratch: dropout alone 56.1 dev / 48.5 test
        // Spearman (loss ~0.001: matched trivially), 20% word deletion 59.4 / 52.3, 30% 61.1 / 52.5.
        c.text_views = "delete";
        c.view_rate = 0.3f;
    }
    std::string describe_loss(const RunConfig& c) const override {
        std::ostringstream os;
        os << "InfoNCE over cosine / " << c.temperature << ", in-batch negatives; views: dropout " << c.dropout;
        if (c.text_views != "dropout") os << " + " << c.text_views << " " << c.view_rate;
        return os.str();
    }
    int64_t items(const TextData& d) const override { return int64_t(d.sentences.size()); }

    // z = encode([view1 of the batch; view2 of the batch])  (2B, D);  logits = cos(z1_i, z2_j) / tau  (B, B)
    // L = mean_i -log softmax_j(logits)_{i,i}.  Under mpirun B is the global batch: this rank's
    // queries meet every rank's second views (global_info_nce), the negatives of one process.
    Tensor loss(nn::TextEncoder& enc, const RunConfig& c, const TextData& d, const std::vector<int64_t>& batch,
                std::vector<Generator>& views) const override {
        const TextView kind = text_view_from_name(c.text_views);
        const int64_t n = int64_t(batch.size());
        std::vector<std::vector<int64_t>> seqs(static_cast<size_t>(2 * n));
        for (int64_t k = 0; k < n; ++k)   // both views of a sentence from its own generator, in order
            for (int64_t v = 0; v < 2; ++v)
                seqs[size_t(v * n + k)] = text_view(d.sentences[size_t(batch[size_t(k)])], kind, c.view_rate, views[size_t(k)]);
        const TokenBatch tb = pad_batch(seqs);
        const Tensor z = enc.encode(tb.ids, tb.padding_mask);   // global_info_nce takes the cosines
        return global_info_nce(narrow(z, 0, 0, n), narrow(z, 0, n, n), c.temperature);
    }
};

}  // namespace

const Method& simcse_method() {
    static const SimCSE m;
    return m;
}

}  // namespace ct::app
