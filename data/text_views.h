// Views of a sentence for contrastive training on token ids (data/tokenizer.h), harder than
// dropout alone, which a model trained from scratch matches trivially (issue 13):
//   delete: each word dropped with probability `rate` (EDA's random deletion, ConSERT's token cutoff
//           at random positions)
//   swap:   max(1, round(rate * n)) swaps of two random positions (EDA's random swap)
//   cutoff: one contiguous span of ceil(rate * n) words removed (ConSERT's span cutoff)
// Every view keeps at least one word; "dropout" is the sentence unchanged (the encoder's dropout
// alone makes the two views differ, as unsupervised SimCSE).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/random.h"

namespace ct {

enum class TextView { Dropout, Delete, Swap, Cutoff };
const std::vector<std::string>& text_view_names();   // "dropout", "delete", "swap", "cutoff"
TextView text_view_from_name(const std::string& name);   // ValueError naming --text-views and the choices

std::vector<int64_t> text_view(const std::vector<int64_t>& ids, TextView kind, float rate, Generator& gen);

}  // namespace ct
