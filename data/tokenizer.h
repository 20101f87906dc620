// Words to ids for the text encoder: a deterministic tokenizer, a vocabulary built from training
// text and saved with the run (RUN_DIR/vocab.txt), and padded batches of ids. No byte-pair merges:
// an unseen word is <unk>. The encoder that reads the ids is nn/transformer.h.
//
// Tokenizer: ASCII letters are lower-cased; a token is a maximal run of [a-z0-9]; every other byte
// (space, punctuation, the bytes of non-ASCII UTF-8 characters) only separates tokens. The same
// tokens as the training-free baselines of shared/data/stsb/README.md.
//   "A man's 2 DOGS!" -> a, man, s, 2, dogs
// Vocabulary: id 0 is <pad>, id 1 is <unk>, then every word seen at least min_freq times in the
// training text, most frequent first, ties in byte order; so the same text always gives the same ids.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/tensor.h"

namespace ct {

std::vector<std::string> tokenize(const std::string& sentence);

class Vocabulary {
public:
    static constexpr int64_t kPad = 0, kUnk = 1;
    // min_freq >= 1: words seen fewer times become <unk>.
    static Vocabulary build(const std::vector<std::string>& sentences, int64_t min_freq);
    // One token a line, line 1 <pad>, line 2 <unk>; errors (IoError) name the file and the line.
    static Vocabulary load(const std::string& path);
    void save(const std::string& path) const;

    int64_t size() const { return int64_t(words_.size()); }
    int64_t id(const std::string& word) const;            // kUnk when absent
    const std::string& word(int64_t id) const;
    // The ids of the sentence's tokens, the first max_tokens of them; a sentence without a single
    // token (only punctuation) is one <unk>, so every sequence has a real position to attend to.
    std::vector<int64_t> encode(const std::string& sentence, int64_t max_tokens) const;

private:
    void add(const std::string& word);
    std::vector<std::string> words_;
    std::unordered_map<std::string, int64_t> ids_;
};

// Sequences padded with <pad> to the longest of them.
struct TokenBatch {
    int64_t rows = 0, length = 0;
    std::vector<int64_t> ids;   // (rows, length) row-major
    Tensor padding_mask;        // (rows, length): 1 at padded positions, 0 at real tokens
};
// Every sequence must hold at least one id (Vocabulary::encode guarantees it).
TokenBatch pad_batch(const std::vector<std::vector<int64_t>>& sequences);

}  // namespace ct
