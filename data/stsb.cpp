// STS-B split files: read whole, split on '\n', every line checked before any pair is used.
#include "data/stsb.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/check.h"

namespace ct {

namespace {
const char* const kHeader = "score\tsentence1\tsentence2";

// strtof over the whole field: "3.8" yes, "3.8x", "", " 3" no.
bool parse_score(const std::string& s, float& out) {
    if (s.empty() || s[0] == ' ' || s[0] == '+') return false;
    char* end = nullptr;
    out = std::strtof(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out);
}
}  // namespace

std::vector<SentencePair> read_stsb_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    CT_CHECK_AS(IoError, in.good(), "stsb: cannot open " << path
                                        << "; run 'make data DATA_ARGS=\"--from ../shared/data\"' or pass --data-dir");
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    std::vector<SentencePair> pairs;
    size_t start = 0;
    for (int64_t line_no = 1; start < text.size(); ++line_no) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();   // a last line without '\n' is fine
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        const std::string where = path + ":" + std::to_string(line_no) + ": ";
        CT_CHECK_AS(IoError, line.empty() || line.back() != '\r',
                    where << "line ends in CR (a CRLF file): convert it to '\\n' line ends");
        if (line_no == 1) {
            CT_CHECK_AS(IoError, line == kHeader,
                        where << "expected the header 'score<TAB>sentence1<TAB>sentence2', got '" << line.substr(0, 60) << "'");
            continue;
        }
        CT_CHECK_AS(IoError, !line.empty(), where << "empty line (expected score<TAB>sentence1<TAB>sentence2)");
        std::vector<std::string> fields;
        for (size_t from = 0;;) {
            const size_t tab = line.find('\t', from);
            fields.push_back(line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
            if (tab == std::string::npos) break;
            from = tab + 1;
        }
        CT_CHECK_AS(IoError, fields.size() == 3,
                    where << "expected 3 tab-separated fields (score, sentence1, sentence2), got " << fields.size());
        SentencePair p;
        CT_CHECK_AS(IoError, parse_score(fields[0], p.score) && p.score >= 0.f && p.score <= 5.f,
                    where << "score '" << fields[0] << "' is not a number in [0, 5]");
        CT_CHECK_AS(IoError, !fields[1].empty() && !fields[2].empty(),
                    where << "sentence" << (fields[1].empty() ? 1 : 2) << " is empty");
        p.a = fields[1];
        p.b = fields[2];
        pairs.push_back(std::move(p));
    }
    CT_CHECK_AS(IoError, !pairs.empty(), path << ": no sentence pairs (an empty file, or a header alone)");
    return pairs;
}

StsbData load_stsb(const std::string& folder) {
    return {read_stsb_file(folder + "/train.tsv"), read_stsb_file(folder + "/dev.tsv"),
            read_stsb_file(folder + "/test.tsv")};
}

std::vector<std::string> unique_sentences(const std::vector<SentencePair>& pairs) {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    for (const SentencePair& p : pairs)
        for (const std::string* s : {&p.a, &p.b})
            if (seen.insert(*s).second) out.push_back(*s);
    return out;
}

}  // namespace ct
