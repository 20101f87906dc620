// `contrast retrieve` of a text run: for the first few distinct STS-B test sentences, the nearest
// distinct training sentences by cosine of the encoder's sentence embeddings, printed with the
// cosine. The exact search is apps/lib/neighbors.h, the one the image runs' retrieve uses.
#include <cstdio>

#include "apps/contrast/text_method.h"
#include "apps/lib/neighbors.h"
#include "data/resolve.h"

namespace ct::app {

int retrieve_text(const std::string& run_dir, int64_t queries, int64_t neighbors, const std::string& checkpoint) {
    LoadedTextRun r = load_text_run(run_dir, checkpoint);
    const std::string folder = find_dataset("stsb", Split::Train, r.config.data_dir);
    const StsbData data = load_stsb(folder);
    const std::vector<std::string> refs = unique_sentences(data.train);
    std::vector<std::string> qs = unique_sentences(data.test);
    qs.resize(std::min(qs.size(), size_t(queries)));
    const int64_t L = r.config.max_tokens;
    const Neighbors nb = knn_search(embed_sentences(*r.encoder, encode_all(r.vocab, qs, L)),
                                    embed_sentences(*r.encoder, encode_all(r.vocab, refs, L)), neighbors);
    std::printf("%s (%s, %s checkpoint): the %ld nearest of %ld distinct STS-B training sentences (%s) of the "
                "first %ld distinct test sentences, by cosine of the sentence embeddings\n",
                run_dir.c_str(), r.config.method.c_str(), checkpoint.c_str(), long(nb.k), long(refs.size()),
                folder.c_str(), long(qs.size()));
    for (size_t q = 0; q < qs.size(); ++q) {
        std::printf("  \"%s\"\n", qs[q].c_str());
        for (int64_t k = 0; k < nb.k; ++k) {
            const size_t i = q * size_t(nb.k) + size_t(k);
            std::printf("      %6.3f  %s\n", double(nb.score[i]), refs[size_t(nb.index[i])].c_str());
        }
    }
    return 0;
}

}  // namespace ct::app
