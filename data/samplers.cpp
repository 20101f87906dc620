// Sampler implementations. Each epoch draws from its own Generator (seed, epoch), salted so that a
// sampler and the loader's augmentations can share one user seed without sharing a stream.
#include "data/samplers.h"

#include <algorithm>
#include <numeric>

#include "core/check.h"
#include "core/random.h"

namespace ct {

std::vector<std::vector<int64_t>> Sampler::positions(int64_t, const std::vector<std::vector<int64_t>>& batches) const {
    std::vector<std::vector<int64_t>> out;
    int64_t next = 0;
    for (const std::vector<int64_t>& b : batches) {
        out.emplace_back(b.size());
        for (int64_t& p : out.back()) p = next++;
    }
    return out;
}
namespace {

constexpr uint64_t kSamplerSalt = 0x53414d504c455253ull;   // "SAMPLERS"

Generator epoch_generator(uint64_t seed, int64_t epoch) {
    return Generator::for_sample(seed ^ kSamplerSalt, uint64_t(epoch), 0);
}

template <class T>
void shuffle(std::vector<T>& v, Generator& gen) {   // Fisher-Yates
    for (int64_t i = int64_t(v.size()) - 1; i > 0; --i) std::swap(v[size_t(i)], v[size_t(gen.randint(i + 1))]);
}

int64_t pick(const std::vector<int64_t>& v, Generator& gen) { return v[size_t(gen.randint(int64_t(v.size())))]; }

// A class other than c, uniformly among `present` (which holds at least two classes).
int64_t other_class(const std::vector<int64_t>& present, int64_t c, Generator& gen) {
    for (;;) {
        const int64_t o = pick(present, gen);
        if (o != c) return o;
    }
}

std::vector<int64_t> classes_with_at_least(const std::vector<std::vector<int64_t>>& by_class, size_t n) {
    std::vector<int64_t> out;
    for (size_t c = 0; c < by_class.size(); ++c)
        if (by_class[c].size() >= n) out.push_back(int64_t(c));
    return out;
}

}  // namespace

std::vector<std::vector<int64_t>> indices_by_class(const std::vector<int64_t>& labels) {
    std::vector<std::vector<int64_t>> out;
    for (size_t i = 0; i < labels.size(); ++i) {
        CT_CHECK_AS(ValueError, labels[i] >= 0, "sampler: label " << labels[i] << " of sample " << i << " is negative");
        if (labels[i] >= int64_t(out.size())) out.resize(size_t(labels[i]) + 1);
        out[size_t(labels[i])].push_back(int64_t(i));
    }
    return out;
}

std::vector<float> pair_targets(const std::vector<int64_t>& l) {
    CT_CHECK(l.size() % 2 == 0, "pair_targets: a pair batch holds 2P labels, got " << l.size());
    const size_t P = l.size() / 2;
    std::vector<float> y(P);
    for (size_t j = 0; j < P; ++j) y[j] = l[j] == l[j + P] ? 1.f : 0.f;
    return y;
}

// ---------------------------------------------------------------- shuffled batches
BatchSampler::BatchSampler(int64_t n, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed)
    : n_(n), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), seed_(seed) {
    CT_CHECK_AS(ValueError, n > 0 && batch_size > 0,
                "BatchSampler: dataset size " << n << " and batch size " << batch_size << " must be > 0");
    CT_CHECK_AS(ValueError, !drop_last || batch_size <= n,
                "BatchSampler: batch size " << batch_size << " exceeds the dataset size " << n
                                            << " with drop_last: an epoch would have no batch");
}

std::vector<std::vector<int64_t>> BatchSampler::batches(int64_t epoch) const {
    std::vector<int64_t> order(static_cast<size_t>(n_));
    std::iota(order.begin(), order.end(), 0);
    if (shuffle_) {
        Generator gen = epoch_generator(seed_, epoch);
        shuffle(order, gen);
    }
    std::vector<std::vector<int64_t>> out;
    for (int64_t b = 0; b < n_; b += batch_size_) {
        const int64_t e = std::min(n_, b + batch_size_);
        if (e - b < batch_size_ && drop_last_) break;
        out.emplace_back(order.begin() + b, order.begin() + e);
    }
    return out;
}

// ---------------------------------------------------------------- pairs
PairSampler::PairSampler(std::vector<int64_t> labels, int64_t pairs, int64_t batches, uint64_t seed)
    : by_class_(indices_by_class(labels)), labels_(std::move(labels)), pairs_(pairs), seed_(seed) {
    pair_classes_ = classes_with_at_least(by_class_, 2);
    CT_CHECK_AS(ValueError, pairs > 0, "PairSampler: pairs per batch must be > 0, got " << pairs);
    CT_CHECK_AS(ValueError, !pair_classes_.empty() && classes_with_at_least(by_class_, 1).size() >= 2,
                "PairSampler: needs two classes and one with >= 2 samples for similar pairs; got "
                    << labels_.size() << " samples in " << classes_with_at_least(by_class_, 1).size() << " classes");
    batches_ = batches > 0 ? batches : std::max<int64_t>(1, int64_t(labels_.size()) / (2 * pairs));
}

std::vector<std::vector<int64_t>> PairSampler::batches(int64_t epoch) const {
    Generator gen = epoch_generator(seed_, epoch);
    const std::vector<int64_t> present = classes_with_at_least(by_class_, 1);
    std::vector<std::vector<int64_t>> out(size_t(batches_), std::vector<int64_t>(size_t(2 * pairs_)));
    for (auto& batch : out)
        for (int64_t j = 0; j < pairs_; ++j) {
            int64_t a, b;
            if (j % 2 == 0) {   // similar: two distinct samples of a class that has two
                const auto& members = by_class_[size_t(pick(pair_classes_, gen))];
                a = pick(members, gen);
                do b = pick(members, gen); while (b == a);
            } else {            // dissimilar: any sample, and one of another class
                a = gen.randint(int64_t(labels_.size()));
                b = pick(by_class_[size_t(other_class(present, labels_[size_t(a)], gen))], gen);
            }
            batch[size_t(j)] = a;
            batch[size_t(j + pairs_)] = b;
        }
    return out;
}

// ---------------------------------------------------------------- triplets
TripletSampler::TripletSampler(std::vector<int64_t> labels, int64_t triplets, int64_t batches, uint64_t seed)
    : by_class_(indices_by_class(labels)), labels_(std::move(labels)), triplets_(triplets), seed_(seed) {
    anchor_classes_ = classes_with_at_least(by_class_, 2);
    CT_CHECK_AS(ValueError, triplets > 0, "TripletSampler: triplets per batch must be > 0, got " << triplets);
    CT_CHECK_AS(ValueError, !anchor_classes_.empty() && classes_with_at_least(by_class_, 1).size() >= 2,
                "TripletSampler: needs two classes and one with >= 2 samples; got "
                    << labels_.size() << " samples in " << classes_with_at_least(by_class_, 1).size() << " classes");
    batches_ = batches > 0 ? batches : std::max<int64_t>(1, int64_t(labels_.size()) / (3 * triplets));
}

std::vector<std::vector<int64_t>> TripletSampler::batches(int64_t epoch) const {
    Generator gen = epoch_generator(seed_, epoch);
    const std::vector<int64_t> present = classes_with_at_least(by_class_, 1);
    const size_t T = size_t(triplets_);
    std::vector<std::vector<int64_t>> out(size_t(batches_), std::vector<int64_t>(3 * T));
    for (auto& batch : out)
        for (size_t j = 0; j < T; ++j) {
            const int64_t c = pick(anchor_classes_, gen);
            const auto& members = by_class_[size_t(c)];
            const int64_t a = pick(members, gen);
            int64_t p;
            do p = pick(members, gen); while (p == a);
            batch[j] = a;
            batch[T + j] = p;
            batch[2 * T + j] = pick(by_class_[size_t(other_class(present, c, gen))], gen);
        }
    return out;
}

// ---------------------------------------------------------------- P x K
PKSampler::PKSampler(std::vector<int64_t> labels, int64_t p, int64_t k, int64_t batches, uint64_t seed)
    : by_class_(indices_by_class(labels)), p_(p), k_(k), seed_(seed) {
    present_ = classes_with_at_least(by_class_, 1);
    CT_CHECK_AS(ValueError, p > 0 && k > 0, "PKSampler: P " << p << " and K " << k << " must be > 0");
    CT_CHECK_AS(ValueError, p <= int64_t(present_.size()),
                "PKSampler: P = " << p << " classes per batch but the labels hold only " << present_.size());
    batches_ = batches > 0 ? batches : std::max<int64_t>(1, int64_t(labels.size()) / (p * k));
}

std::vector<std::vector<int64_t>> PKSampler::batches(int64_t epoch) const {
    Generator gen = epoch_generator(seed_, epoch);
    std::vector<std::vector<int64_t>> out(static_cast<size_t>(batches_));
    std::vector<int64_t> classes = present_;
    for (auto& batch : out) {
        shuffle(classes, gen);   // the first P after a shuffle: P distinct classes
        for (int64_t i = 0; i < p_; ++i) {
            std::vector<int64_t> members = by_class_[size_t(classes[size_t(i)])];
            if (int64_t(members.size()) >= k_) {
                for (int64_t j = 0; j < k_; ++j)   // partial Fisher-Yates: K without replacement
                    std::swap(members[size_t(j)], members[size_t(j + gen.randint(int64_t(members.size()) - j))]);
                batch.insert(batch.end(), members.begin(), members.begin() + k_);
            } else {
                for (int64_t j = 0; j < k_; ++j) batch.push_back(pick(members, gen));
            }
        }
    }
    return out;
}

}  // namespace ct
