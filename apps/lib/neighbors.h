// Nearest-neighbour search of queries among references by blocked GEMM: one (block x refs)
// similarity matrix at a time, then a top-k selection per query row. Exact (no approximate index);
// 10k x 60k x 64 takes a few seconds on 2 cores. The metrics built on it are in apps/lib/metrics.h.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

enum class SearchMetric { Cosine, Euclidean };
const char* to_string(SearchMetric d);                     // "cosine", "euclidean"
SearchMetric parse_distance(const std::string& name);      // throws ValueError listing the choices

struct SearchOptions {
    SearchMetric distance = SearchMetric::Cosine;
    bool exclude_self = false;   // queries ARE the references: query i never retrieves reference i
    int64_t block = 128;         // queries per GEMM; memory is block x refs floats (30 MB for 60k refs)
};

// One query's neighbours, nearest first (ties: lower reference index first).
// score: cosine similarity (Cosine) or Euclidean distance (Euclidean).
struct NeighborList {
    const int64_t* index;
    const float* score;
    int64_t k;
};

// Calls visit(q, neighbours) once per query with its k_of_query(q) nearest references (at most the
// number available). Calls come from several OpenMP threads at once: visit may write only state of
// its own query, and must not call BLAS (see core/parallel.h); k_of_query is called from the
// same threads. The neighbour list lives only during the call.
void search_neighbors(const Tensor& queries, const Tensor& references,
                      const std::function<int64_t(int64_t q)>& k_of_query, const SearchOptions& options,
                      const std::function<void(int64_t q, const NeighborList& neighbors)>& visit);

// The k nearest references of every query.   queries:(Q,D) references:(N,D) -> (Q,k) row-major
struct Neighbors {
    int64_t k = 0;
    std::vector<int64_t> index;
    std::vector<float> score;
};
Neighbors knn_search(const Tensor& queries, const Tensor& references, int64_t k, const SearchOptions& options = {});

}  // namespace ct
