// Evaluation of embeddings: test-set queries against training-set references.
//   - Precision@1, R-precision, MAP@R as in "A Metric Learning Reality Check" (Musgrave et al. 2020),
//   - kNN accuracy by majority vote, and the weighted kNN of the SSL benchmarks (InstDisc, SimCLR),
//   - NMI of k-means clusters (apps/lib/clustering.h).
// All rankings come from the blocked exact search of apps/lib/neighbors.h.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/lib/neighbors.h"
#include "core/random.h"
#include "core/tensor.h"

namespace ct {

// For query q with label y, R = number of references labelled y (minus itself with exclude_self).
//   Precision@1 = mean_q rel(1)
//   R-precision = mean_q (1/R) sum_{i<=R} rel(i)
//   MAP@R       = mean_q (1/R) sum_{i<=R} P(i) rel(i),  P(i) = (1/i) sum_{j<=i} rel(j)
// Queries whose label no reference has (R = 0) count as misses in Precision@1 and are left out of
// the R-based means, which are undefined for them (`without_relevant` counts them).
struct RetrievalMetrics {
    double precision_at_1 = 0;
    double r_precision = 0;
    double map_at_r = 0;
    int64_t queries = 0;
    int64_t without_relevant = 0;
};
RetrievalMetrics retrieval_metrics(const Tensor& queries, const std::vector<int64_t>& query_labels,
                                   const Tensor& references, const std::vector<int64_t>& reference_labels,
                                   const SearchOptions& options = {});

// Majority vote among the k nearest references; a tied vote goes to the tied class whose member
// ranks nearest. With k = 1 this equals Precision@1.
double knn_accuracy(const Tensor& queries, const std::vector<int64_t>& query_labels, const Tensor& references,
                    const std::vector<int64_t>& reference_labels, int64_t k, const SearchOptions& options = {});

// The SSL benchmarks' weighted kNN: among the k nearest by cosine similarity s, class c scores
// sum exp(s / temperature) over neighbours of class c; the prediction is the best class (ties: lower
// class). k is capped at the number of references. options.distance must be Cosine.
double weighted_knn_accuracy(const Tensor& queries, const std::vector<int64_t>& query_labels,
                             const Tensor& references, const std::vector<int64_t>& reference_labels,
                             int64_t k = 200, float temperature = 0.1f, const SearchOptions& options = {});

// Everything `contrast eval` reports, in one call.
struct EmbeddingMetrics {
    RetrievalMetrics retrieval;
    double knn1_accuracy = 0;           // = retrieval.precision_at_1
    double weighted_knn_accuracy = 0;   // k = 200, temperature 0.1, cosine
    double nmi = 0;                     // k-means (k = number of classes) on the queries
};
// k-means runs on unit-length rows when options.distance is Cosine, on the raw rows otherwise.
EmbeddingMetrics evaluate_embeddings(const Tensor& queries, const std::vector<int64_t>& query_labels,
                                     const Tensor& references, const std::vector<int64_t>& reference_labels,
                                     Generator& gen, const SearchOptions& options = {});

}  // namespace ct
