// The STS Benchmark reader: sentence pairs with a gold similarity score in [0, 5], one
// `score<TAB>sentence1<TAB>sentence2` line each after that header (shared/data/stsb/README.md).
// Strict: any malformed line is a ct::IoError naming the file, the line number and what is wrong.
// Tokens are data/tokenizer.h's business; the folder is found by data/resolve.h (name "stsb").
#pragma once
#include <string>
#include <vector>

namespace ct {

struct SentencePair {
    float score = 0;   // 0 (unrelated) .. 5 (same meaning)
    std::string a, b;  // byte for byte as in the file (leading / trailing spaces kept)
};

// One split file. Errors: no header, a field count other than 3, a score that is not a number in
// [0, 5], an empty sentence, an empty line, a CR line end, no pairs at all.
std::vector<SentencePair> read_stsb_file(const std::string& path);

struct StsbData {
    std::vector<SentencePair> train, dev, test;
};
// folder/{train,dev,test}.tsv
StsbData load_stsb(const std::string& folder);

// The distinct sentences of `pairs` (both sides), in order of first appearance: the unlabelled
// text unsupervised training uses and the vocabulary is built from.
std::vector<std::string> unique_sentences(const std::vector<SentencePair>& pairs);

}  // namespace ct
