// Miners: pair, triplet, batch-hard and multi-similarity selection on one no-grad distance matrix.
// Loops run over (anchor, positive, negative) index lists built once per anchor; nothing larger
// than the N x N matrix is allocated besides the returned indices. See miners.h.
#include "losses/miners.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace ct {

namespace {
// The N x N matrix of values (distances or similarities) as plain floats, without a graph.
std::vector<float> value_matrix(const Tensor& embeddings, const Distance& distance) {
    NoGradGuard no_grad;
    return distance.matrix(embeddings).to_vector();
}

// Per anchor, the indices of its positives (same label, not itself) and negatives.
struct Neighbours {
    std::vector<std::vector<int64_t>> pos, neg;
};
Neighbours neighbours(const std::vector<int64_t>& labels) {
    const int64_t N = int64_t(labels.size());
    Neighbours nb{std::vector<std::vector<int64_t>>(size_t(N)), std::vector<std::vector<int64_t>>(size_t(N))};
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) {
            if (j == i) continue;
            (labels[size_t(i)] == labels[size_t(j)] ? nb.pos : nb.neg)[size_t(i)].push_back(j);
        }
    return nb;
}

// Counts every valid triplet into easy / semihard / hard; `keep` decides which are selected. The
// counts run as a loop without a branch over each anchor's negatives, gathered once per anchor:
// batch_hard_miner counts all of W2's 1.8M triplets (256 images, 8 classes) every step, and a
// branch per triplet on random distances took 8% of the step.
template <class Keep>
TripletMining classify_triplets(const std::vector<float>& m, int64_t N, const Neighbours& nb,
                                const Distance& distance, float margin, Keep keep) {
    TripletMining out;
    const bool similarity = distance.is_similarity();
    std::vector<float> an;
    for (int64_t a = 0; a < N; ++a) {
        const auto& neg = nb.neg[size_t(a)];
        an.resize(neg.size());
        for (size_t k = 0; k < neg.size(); ++k) an[k] = m[size_t(a * N + neg[k])];
        const float* pan = an.data();
        const int64_t count = int64_t(an.size());
        for (int64_t p : nb.pos[size_t(a)]) {
            const float ap = m[size_t(a * N + p)];
            int64_t easy = 0, semihard = 0;
#pragma omp simd reduction(+ : easy, semihard)
            for (int64_t k = 0; k < count; ++k) {
                const float tm = similarity ? ap - pan[k] : pan[k] - ap;
                const bool e = tm > margin;
                easy += e;
                semihard += !e && tm > 0;
            }
            out.valid += count;
            out.easy += easy;
            out.semihard += semihard;
            out.hard += count - easy - semihard;
            for (int64_t k = 0; k < count; ++k)
                if (keep(similarity ? ap - pan[k] : pan[k] - ap)) {
                    out.triplets.anchors.push_back(a);
                    out.triplets.positives.push_back(p);
                    out.triplets.negatives.push_back(neg[size_t(k)]);
                }
        }
    }
    return out;
}
}  // namespace

void check_embeddings_labels(const char* op, const Tensor& embeddings, const std::vector<int64_t>& labels) {
    CT_CHECK(embeddings.defined() && embeddings.dim() == 2,
             op << ": embeddings must be (N,D), got " << (embeddings.defined() ? embeddings.shape() : Shape{}));
    CT_CHECK(embeddings.size(0) == int64_t(labels.size()),
             op << ": embeddings " << embeddings.shape() << " but " << labels.size() << " labels");
}

const char* triplet_type_name(TripletType t) {
    switch (t) {
        case TripletType::All: return "all";
        case TripletType::Hard: return "hard";
        case TripletType::SemiHard: return "semihard";
        case TripletType::Easy: return "easy";
    }
    return "?";
}

std::string PairMining::summary() const {
    std::ostringstream os;
    os << "positive pairs " << pairs.a1.size() << " of " << positive_pairs << ", negative pairs "
       << pairs.a2.size() << " of " << negative_pairs;
    return os.str();
}

std::string TripletMining::summary() const {
    std::ostringstream os;
    os << "triplets " << triplets.size() << " of " << valid << " (easy " << easy << ", semihard " << semihard
       << ", hard " << hard << ")";
    return os.str();
}

PairIndices all_pairs(const std::vector<int64_t>& labels) {
    const int64_t N = int64_t(labels.size());
    PairIndices out;
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) {
            if (i == j) continue;
            if (labels[size_t(i)] == labels[size_t(j)]) {
                out.a1.push_back(i);
                out.p.push_back(j);
            } else {
                out.a2.push_back(i);
                out.n.push_back(j);
            }
        }
    return out;
}

TripletIndices all_triplets(const std::vector<int64_t>& labels) {
    const Neighbours nb = neighbours(labels);
    TripletIndices out;
    for (int64_t a = 0; a < int64_t(labels.size()); ++a)
        for (int64_t p : nb.pos[size_t(a)])
            for (int64_t n : nb.neg[size_t(a)]) {
                out.anchors.push_back(a);
                out.positives.push_back(p);
                out.negatives.push_back(n);
            }
    return out;
}

PairMining pair_margin_miner(const Tensor& embeddings, const std::vector<int64_t>& labels, float pos_margin,
                             float neg_margin, const Distance& distance) {
    check_embeddings_labels("pair_margin_miner", embeddings, labels);
    const int64_t N = embeddings.size(0);
    const std::vector<float> m = value_matrix(embeddings, distance);
    const PairIndices all = all_pairs(labels);
    PairMining out;
    out.positive_pairs = int64_t(all.a1.size());
    out.negative_pairs = int64_t(all.a2.size());
    for (size_t k = 0; k < all.a1.size(); ++k)   // a positive that is not yet close enough
        if (distance.closer(pos_margin, m[size_t(all.a1[k] * N + all.p[k])])) {
            out.pairs.a1.push_back(all.a1[k]);
            out.pairs.p.push_back(all.p[k]);
        }
    for (size_t k = 0; k < all.a2.size(); ++k)   // a negative that is still too close
        if (distance.closer(m[size_t(all.a2[k] * N + all.n[k])], neg_margin)) {
            out.pairs.a2.push_back(all.a2[k]);
            out.pairs.n.push_back(all.n[k]);
        }
    return out;
}

TripletMining triplet_margin_miner(const Tensor& embeddings, const std::vector<int64_t>& labels, float margin,
                                   TripletType type, const Distance& distance) {
    check_embeddings_labels("triplet_margin_miner", embeddings, labels);
    CT_CHECK(margin >= 0.f, "triplet_margin_miner: margin must be >= 0, got " << margin);
    const std::vector<float> m = value_matrix(embeddings, distance);
    return classify_triplets(m, embeddings.size(0), neighbours(labels), distance, margin, [type, margin](float tm) {
        switch (type) {
            case TripletType::Easy: return tm > margin;
            case TripletType::All: return tm <= margin;
            case TripletType::Hard: return tm <= 0.f;
            case TripletType::SemiHard: return tm > 0.f && tm <= margin;
        }
        return false;
    });
}

TripletMining batch_hard_miner(const Tensor& embeddings, const std::vector<int64_t>& labels,
                               const Distance& distance, float margin) {
    check_embeddings_labels("batch_hard_miner", embeddings, labels);
    const int64_t N = embeddings.size(0);
    const std::vector<float> m = value_matrix(embeddings, distance);
    const Neighbours nb = neighbours(labels);
    TripletMining out = classify_triplets(m, N, nb, distance, margin, [](float) { return false; });
    for (int64_t a = 0; a < N; ++a) {
        const auto &pos = nb.pos[size_t(a)], &neg = nb.neg[size_t(a)];
        if (pos.empty() || neg.empty()) continue;   // no valid triplet for this anchor: dropped
        int64_t hardest_p = pos[0], hardest_n = neg[0];   // ties keep the first index
        for (int64_t p : pos)   // the farthest positive: the one all others are closer than
            if (distance.closer(m[size_t(a * N + hardest_p)], m[size_t(a * N + p)])) hardest_p = p;
        for (int64_t n : neg)   // the closest negative
            if (distance.closer(m[size_t(a * N + n)], m[size_t(a * N + hardest_n)])) hardest_n = n;
        out.triplets.anchors.push_back(a);
        out.triplets.positives.push_back(hardest_p);
        out.triplets.negatives.push_back(hardest_n);
    }
    return out;
}

PairMining multi_similarity_miner(const Tensor& embeddings, const std::vector<int64_t>& labels, float epsilon,
                                  const Distance& distance) {
    check_embeddings_labels("multi_similarity_miner", embeddings, labels);
    const int64_t N = embeddings.size(0);
    const std::vector<float> m = value_matrix(embeddings, distance);
    const Neighbours nb = neighbours(labels);
    PairMining out;
    const float inf = std::numeric_limits<float>::infinity();
    // For a similarity, "hardest" positive = lowest S, hardest negative = highest S; a distance
    // mirrors this, so work in s = +-value where larger always means closer.
    const float sign = distance.is_similarity() ? 1.f : -1.f;
    for (int64_t i = 0; i < N; ++i) {
        const auto &pos = nb.pos[size_t(i)], &neg = nb.neg[size_t(i)];
        out.positive_pairs += int64_t(pos.size());
        out.negative_pairs += int64_t(neg.size());
        float min_pos = inf, max_neg = -inf;   // no positive: no negative is kept, and vice versa
        for (int64_t p : pos) min_pos = std::min(min_pos, sign * m[size_t(i * N + p)]);
        for (int64_t n : neg) max_neg = std::max(max_neg, sign * m[size_t(i * N + n)]);
        for (int64_t p : pos)
            if (sign * m[size_t(i * N + p)] - epsilon < max_neg) {
                out.pairs.a1.push_back(i);
                out.pairs.p.push_back(p);
            }
        for (int64_t n : neg)
            if (sign * m[size_t(i * N + n)] + epsilon > min_pos) {
                out.pairs.a2.push_back(i);
                out.pairs.n.push_back(n);
            }
    }
    return out;
}

}  // namespace ct
