// The word tokenizer, the vocabulary (built, saved, loaded) and padding into batches.
#include "data/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "core/check.h"

namespace ct {

std::vector<std::string> tokenize(const std::string& sentence) {
    std::vector<std::string> tokens;
    std::string current;
    for (const char raw : sentence) {
        char c = raw;
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            current += c;
        } else if (!current.empty()) {
            tokens.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) tokens.push_back(std::move(current));
    return tokens;
}

void Vocabulary::add(const std::string& word) {
    ids_.emplace(word, int64_t(words_.size()));
    words_.push_back(word);
}

Vocabulary Vocabulary::build(const std::vector<std::string>& sentences, int64_t min_freq) {
    CT_CHECK_AS(ValueError, min_freq >= 1, "Vocabulary::build: min_freq must be >= 1, got " << min_freq);
    std::map<std::string, int64_t> counts;   // ordered: ties come out in byte order
    for (const std::string& s : sentences)
        for (const std::string& t : tokenize(s)) ++counts[t];
    std::vector<std::pair<std::string, int64_t>> kept;
    for (const auto& wc : counts)
        if (wc.second >= min_freq) kept.push_back(wc);
    std::stable_sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    Vocabulary v;
    v.add("<pad>");
    v.add("<unk>");
    for (const auto& wc : kept) v.add(wc.first);
    return v;
}

Vocabulary Vocabulary::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    CT_CHECK_AS(IoError, in.good(), path << ": cannot open the vocabulary (written by `contrast train` as RUN_DIR/vocab.txt)");
    Vocabulary v;
    std::string line;
    for (int64_t n = 1; std::getline(in, line); ++n) {
        const std::string where = path + ":" + std::to_string(n) + ": ";
        if (n == 1 || n == 2) {
            const char* want = n == 1 ? "<pad>" : "<unk>";
            CT_CHECK_AS(IoError, line == want, where << "expected '" << want << "', got '" << line << "'");
        } else {
            CT_CHECK_AS(IoError, !line.empty() && tokenize(line) == std::vector<std::string>{line},
                        where << "'" << line << "' is not a token (lower-case [a-z0-9]+)");
            CT_CHECK_AS(IoError, v.ids_.count(line) == 0, where << "'" << line << "' is listed twice");
        }
        v.add(line);
    }
    CT_CHECK_AS(IoError, v.size() >= 2, path << ": the vocabulary must start with <pad> and <unk>, got " << v.size() << " lines");
    return v;
}

void Vocabulary::save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    for (const std::string& w : words_) out << w << '\n';
    out.flush();
    CT_CHECK_AS(IoError, out.good(), path << ": cannot write the vocabulary (disk full or no permission?)");
}

int64_t Vocabulary::id(const std::string& word) const {
    const auto it = ids_.find(word);
    return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocabulary::word(int64_t id) const {
    CT_CHECK_AS(ValueError, id >= 0 && id < size(), "Vocabulary::word: id " << id << " out of range 0.." << size() - 1);
    return words_[size_t(id)];
}

std::vector<int64_t> Vocabulary::encode(const std::string& sentence, int64_t max_tokens) const {
    CT_CHECK_AS(ValueError, max_tokens >= 1, "Vocabulary::encode: max_tokens must be >= 1, got " << max_tokens);
    std::vector<int64_t> out;
    for (const std::string& t : tokenize(sentence)) {
        if (int64_t(out.size()) == max_tokens) break;
        out.push_back(id(t));
    }
    if (out.empty()) out.push_back(kUnk);
    return out;
}

TokenBatch pad_batch(const std::vector<std::vector<int64_t>>& sequences) {
    TokenBatch b;
    b.rows = int64_t(sequences.size());
    CT_CHECK_AS(ValueError, b.rows > 0, "pad_batch: no sequences");
    for (const auto& s : sequences) {
        CT_CHECK_AS(ValueError, !s.empty(), "pad_batch: an empty sequence (it would have nothing to attend to)");
        b.length = std::max(b.length, int64_t(s.size()));
    }
    b.ids.assign(size_t(b.rows * b.length), Vocabulary::kPad);
    b.padding_mask = Tensor::ones({b.rows, b.length});
    for (int64_t r = 0; r < b.rows; ++r)
        for (size_t j = 0; j < sequences[size_t(r)].size(); ++j) {
            b.ids[size_t(r * b.length) + j] = sequences[size_t(r)][j];
            b.padding_mask.data()[r * b.length + int64_t(j)] = 0.f;
        }
    return b;
}

}  // namespace ct
