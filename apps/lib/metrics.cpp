// Retrieval and kNN metrics over the blocked neighbour search; see metrics.h for the formulas.
// Per-query results go into per-query slots (the search visits queries from several threads) and
// are averaged afterwards in a fixed order, so the figures do not depend on the thread count.
#include "apps/lib/metrics.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "apps/lib/clustering.h"

namespace ct {

namespace {

void check_labels(const char* op, const Tensor& queries, const std::vector<int64_t>& query_labels,
                  const Tensor& references, const std::vector<int64_t>& reference_labels) {
    CT_CHECK(queries.dim() == 2 && references.dim() == 2 && queries.size(1) == references.size(1),
             op << ": queries " << queries.shape() << " and references " << references.shape()
                << " must be (Q,D) and (N,D)");
    CT_CHECK(int64_t(query_labels.size()) == queries.size(0) && int64_t(reference_labels.size()) == references.size(0),
             op << ": " << query_labels.size() << " query labels for " << queries.size(0) << " queries and "
                << reference_labels.size() << " reference labels for " << references.size(0) << " references");
    CT_CHECK(references.size(0) > 0, op << ": no references");
}

}  // namespace

RetrievalMetrics retrieval_metrics(const Tensor& queries, const std::vector<int64_t>& query_labels,
                                   const Tensor& references, const std::vector<int64_t>& reference_labels,
                                   const SearchOptions& options) {
    check_labels("retrieval_metrics", queries, query_labels, references, reference_labels);
    std::unordered_map<int64_t, int64_t> per_class;
    for (int64_t y : reference_labels) ++per_class[y];
    const int64_t Q = queries.size(0);
    std::vector<int64_t> R(static_cast<size_t>(Q));
    for (int64_t q = 0; q < Q; ++q) {
        auto it = per_class.find(query_labels[size_t(q)]);
        R[size_t(q)] = (it == per_class.end() ? 0 : it->second) - (options.exclude_self ? 1 : 0);
    }
    std::vector<double> p1(static_cast<size_t>(Q)), rp(p1), ap(p1);
    search_neighbors(queries, references, [&R](int64_t q) { return std::max<int64_t>(R[size_t(q)], 1); }, options,
                     [&](int64_t q, const NeighborList& nb) {
                         const int64_t y = query_labels[size_t(q)], r = R[size_t(q)];
                         p1[size_t(q)] = nb.k > 0 && reference_labels[size_t(nb.index[0])] == y;
                         int64_t hits = 0;
                         double sum_precision = 0;
                         for (int64_t i = 0; i < std::min(r, nb.k); ++i) {
                             if (reference_labels[size_t(nb.index[i])] != y) continue;
                             ++hits;
                             sum_precision += double(hits) / double(i + 1);   // P(i) at a relevant rank
                         }
                         rp[size_t(q)] = r > 0 ? double(hits) / double(r) : 0;
                         ap[size_t(q)] = r > 0 ? sum_precision / double(r) : 0;
                     });
    RetrievalMetrics m;
    m.queries = Q;
    for (int64_t q = 0; q < Q; ++q) {
        m.precision_at_1 += p1[size_t(q)];
        if (R[size_t(q)] <= 0) {
            ++m.without_relevant;
            continue;
        }
        m.r_precision += rp[size_t(q)];
        m.map_at_r += ap[size_t(q)];
    }
    const int64_t with_relevant = Q - m.without_relevant;
    if (Q > 0) m.precision_at_1 /= double(Q);
    if (with_relevant > 0) {
        m.r_precision /= double(with_relevant);
        m.map_at_r /= double(with_relevant);
    }
    return m;
}

double knn_accuracy(const Tensor& queries, const std::vector<int64_t>& query_labels, const Tensor& references,
                    const std::vector<int64_t>& reference_labels, int64_t k, const SearchOptions& options) {
    check_labels("knn_accuracy", queries, query_labels, references, reference_labels);
    CT_CHECK(k >= 1, "knn_accuracy: k must be at least 1, got " << k);
    const int64_t Q = queries.size(0);
    std::vector<char> right(size_t(Q), 0);
    search_neighbors(queries, references, [k](int64_t) { return k; }, options, [&](int64_t q, const NeighborList& nb) {
        // votes[class] = (count, -rank of its nearest member): more votes win, then the nearer class
        std::unordered_map<int64_t, std::pair<int64_t, int64_t>> votes;
        for (int64_t i = 0; i < nb.k; ++i) {
            auto it = votes.emplace(reference_labels[size_t(nb.index[i])], std::make_pair(int64_t(0), -i)).first;
            ++it->second.first;
        }
        int64_t predicted = -1;
        std::pair<int64_t, int64_t> best{-1, 0};
        for (const auto& kv : votes)
            if (kv.second > best) best = kv.second, predicted = kv.first;
        right[size_t(q)] = predicted == query_labels[size_t(q)];
    });
    int64_t correct = 0;
    for (char c : right) correct += c;
    return Q > 0 ? double(correct) / double(Q) : 0.0;
}

double weighted_knn_accuracy(const Tensor& queries, const std::vector<int64_t>& query_labels,
                             const Tensor& references, const std::vector<int64_t>& reference_labels, int64_t k,
                             float temperature, const SearchOptions& options) {
    check_labels("weighted_knn_accuracy", queries, query_labels, references, reference_labels);
    CT_CHECK(k >= 1 && temperature > 0,
             "weighted_knn_accuracy: k = " << k << " and temperature = " << temperature << " must be positive");
    CT_CHECK(options.distance == SearchMetric::Cosine,
             "weighted_knn_accuracy: the weights exp(s / T) need cosine similarity, got distance "
                 << to_string(options.distance));
    const int64_t Q = queries.size(0);
    std::vector<char> right(size_t(Q), 0);
    search_neighbors(queries, references, [k](int64_t) { return k; }, options, [&](int64_t q, const NeighborList& nb) {
        std::unordered_map<int64_t, double> score;
        for (int64_t i = 0; i < nb.k; ++i)
            score[reference_labels[size_t(nb.index[i])]] += std::exp(double(nb.score[i]) / temperature);
        int64_t predicted = -1;
        double best = -1;
        for (const auto& kv : score)
            if (kv.second > best || (kv.second == best && kv.first < predicted)) best = kv.second, predicted = kv.first;
        right[size_t(q)] = predicted == query_labels[size_t(q)];
    });
    int64_t correct = 0;
    for (char c : right) correct += c;
    return Q > 0 ? double(correct) / double(Q) : 0.0;
}

EmbeddingMetrics evaluate_embeddings(const Tensor& queries, const std::vector<int64_t>& query_labels,
                                     const Tensor& references, const std::vector<int64_t>& reference_labels,
                                     Generator& gen, const SearchOptions& options) {
    EmbeddingMetrics m;
    m.retrieval = retrieval_metrics(queries, query_labels, references, reference_labels, options);
    m.knn1_accuracy = m.retrieval.precision_at_1;
    SearchOptions cosine = options;
    cosine.distance = SearchMetric::Cosine;
    m.weighted_knn_accuracy = weighted_knn_accuracy(queries, query_labels, references, reference_labels, 200, 0.1f, cosine);
    Tensor x = queries;
    if (options.distance == SearchMetric::Cosine) {
        x = queries.clone();
        const int64_t n = x.size(0), d = x.size(1);
        float* p = x.data();
        for (int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (int64_t j = 0; j < d; ++j) s += double(p[i * d + j]) * p[i * d + j];
            const float inv = float(1.0 / std::max(std::sqrt(s), 1e-12));
            for (int64_t j = 0; j < d; ++j) p[i * d + j] *= inv;
        }
    }
    m.nmi = kmeans_nmi(x, query_labels, gen);
    return m;
}

}  // namespace ct
