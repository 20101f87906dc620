// Word-level views of a sentence: deletion, swaps, span cutoff (see text_views.h).
#include "data/text_views.h"

#include <cmath>
#include <utility>

#include "core/check.h"

namespace ct {

const std::vector<std::string>& text_view_names() {
    static const std::vector<std::string> names{"dropout", "delete", "swap", "cutoff"};
    return names;
}

TextView text_view_from_name(const std::string& name) {
    const auto& n = text_view_names();
    for (size_t i = 0; i < n.size(); ++i)
        if (n[i] == name) return TextView(i);
    CT_THROW(ValueError, "--text-views " << name << " is not one of: dropout|delete|swap|cutoff");
}

std::vector<int64_t> text_view(const std::vector<int64_t>& ids, TextView kind, float rate, Generator& gen) {
    CT_CHECK_AS(ValueError, rate >= 0.f && rate < 1.f, "text_view: rate must be in [0, 1), got " << rate);
    const int64_t n = int64_t(ids.size());
    if (n <= 1 || kind == TextView::Dropout) return ids;
    std::vector<int64_t> out;
    switch (kind) {
    case TextView::Delete:
        for (int64_t id : ids)
            if (!gen.bernoulli(rate)) out.push_back(id);
        if (out.empty()) out.push_back(ids[size_t(gen.randint(n))]);   // keep one word
        return out;
    case TextView::Swap: {
        out = ids;
        const int64_t swaps = std::max<int64_t>(1, std::lround(double(rate) * double(n)));
        for (int64_t s = 0; s < swaps; ++s) std::swap(out[size_t(gen.randint(n))], out[size_t(gen.randint(n))]);
        return out;
    }
    case TextView::Cutoff: {
        const int64_t span = std::min<int64_t>(n - 1, int64_t(std::ceil(double(rate) * double(n))));
        const int64_t start = gen.randint(n - span + 1);
        for (int64_t i = 0; i < n; ++i)
            if (i < start || i >= start + span) out.push_back(ids[size_t(i)]);
        return out;
    }
    case TextView::Dropout: break;
    }
    return ids;
}

}  // namespace ct
