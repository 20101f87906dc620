// Online mining on a batch of embeddings (N,D) with integer labels: which pairs and triplets a
// loss should look at. Mining builds no graph (it runs under NoGradGuard on one N x N distance
// matrix: O(N^2) memory, never an N x N x N tensor) and returns indices; the losses then pick those
// entries of a distance matrix built with autograd (triplet.h, contrastive.h, multi_similarity.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "losses/distance.h"

namespace ct {

// Positive pairs (a1[k], p[k]): same label; negative pairs (a2[k], n[k]): different labels.
// Pairs are ordered, (i,j) and (j,i) both appear, never (i,i): pytorch-metric-learning's convention.
struct PairIndices {
    std::vector<int64_t> a1, p, a2, n;
};

// Triplets (anchors[k], positives[k], negatives[k]): label(a) == label(p), a != p, label(n) != label(a).
struct TripletIndices {
    std::vector<int64_t> anchors, positives, negatives;
    int64_t size() const { return int64_t(anchors.size()); }
};

// A miner's selection and what it saw in the batch.
struct PairMining {
    PairIndices pairs;             // the selected pairs
    int64_t positive_pairs = 0;    // positive pairs in the batch, before selection
    int64_t negative_pairs = 0;    // negative pairs in the batch, before selection
    std::string summary() const;   // "positive pairs 12 of 40, negative pairs 30 of 200"
};

// tm = d(a,n) - d(a,p) for a distance (s(a,p) - s(a,n) for a similarity) sorts every valid triplet
// into exactly one of: easy tm > margin;  semihard 0 < tm <= margin;  hard tm <= 0.
struct TripletMining {
    TripletIndices triplets;       // the selected triplets
    int64_t valid = 0;             // valid triplets in the batch
    int64_t easy = 0, semihard = 0, hard = 0;
    std::string summary() const;   // "triplets 30 of 96 (easy 66, semihard 10, hard 20)"
};

// Which triplets triplet_margin_miner keeps, with tm as above (FaceNet's definitions):
// All tm <= margin (every triplet with a non-zero loss); Hard tm <= 0; SemiHard 0 < tm <= margin;
// Easy tm > margin.
enum class TripletType { All, Hard, SemiHard, Easy };
const char* triplet_type_name(TripletType t);

// Every positive and negative pair of the labels (no embeddings needed).
PairIndices all_pairs(const std::vector<int64_t>& labels);
// Every valid triplet: O(N^3) of them, so for large batches prefer a miner.
TripletIndices all_triplets(const std::vector<int64_t>& labels);

// pytorch-metric-learning's PairMarginMiner: positive pairs farther than pos_margin, negative pairs
// closer than neg_margin (for a similarity: positives below pos_margin, negatives above neg_margin).
PairMining pair_margin_miner(const Tensor& embeddings, const std::vector<int64_t>& labels,
                             float pos_margin = 0.2f, float neg_margin = 0.8f,
                             const Distance& distance = Distance::euclidean());

// Triplets of one type (see TripletType), counting all four kinds.
TripletMining triplet_margin_miner(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                   float margin = 0.2f, TripletType type = TripletType::All,
                                   const Distance& distance = Distance::euclidean());

// Batch-hard (Hermans et al. 2017): per anchor its farthest positive and its closest negative;
// anchors lacking either are dropped. The tm counts of all valid triplets use `margin`.
TripletMining batch_hard_miner(const Tensor& embeddings, const std::vector<int64_t>& labels,
                               const Distance& distance = Distance::euclidean(), float margin = 0.2f);

// Multi-similarity miner (Wang et al. 2019), pytorch-metric-learning's rule: with similarities S,
// keep negative (i,n) if S_in + epsilon > min over i's positives of S_ip, and positive (i,p) if
// S_ip - epsilon < max over i's negatives of S_in (mirrored for a distance).
PairMining multi_similarity_miner(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                  float epsilon = 0.1f, const Distance& distance = Distance::cosine());

// Throws ShapeError naming `op` unless embeddings is (N,D) with N == labels.size().
void check_embeddings_labels(const char* op, const Tensor& embeddings, const std::vector<int64_t>& labels);

}  // namespace ct
