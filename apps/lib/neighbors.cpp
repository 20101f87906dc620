// Blocked exact k-nearest-neighbour search; see neighbors.h. The GEMM runs outside any OpenMP
// region (OpenBLAS threads itself); the per-row top-k selection is what runs in parallel.
#include "apps/lib/neighbors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <limits>

#include "core/blas.h"

namespace ct {

const char* to_string(SearchMetric d) { return d == SearchMetric::Cosine ? "cosine" : "euclidean"; }

SearchMetric parse_distance(const std::string& name) {
    if (name == "cosine") return SearchMetric::Cosine;
    if (name == "euclidean") return SearchMetric::Euclidean;
    CT_THROW(ValueError, "distance: unknown '" << name << "': choose cosine or euclidean");
}

namespace {

// Rows scaled to unit length (cosine similarity is then a dot product); zero rows stay zero.
std::vector<float> unit_rows(const Tensor& x) {
    const int64_t n = x.size(0), d = x.size(1);
    std::vector<float> out(x.data(), x.data() + n * d);
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += double(out[i * d + j]) * out[i * d + j];
        const float inv = float(1.0 / std::max(std::sqrt(s), 1e-12));
        for (int64_t j = 0; j < d; ++j) out[i * d + j] *= inv;
    }
    return out;
}

std::vector<float> squared_norms(const float* x, int64_t n, int64_t d) {
    std::vector<float> out(size_t(n), 0.f);
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += double(x[i * d + j]) * x[i * d + j];
        out[size_t(i)] = float(s);
    }
    return out;
}

// The k largest keys of row (ties: lower index first), sorted, into top. A full selection over N
// would cost several passes per row; instead a strided sample guesses a threshold that about
// 1.5k + 64 keys pass, one pass collects them, and the exact selection runs on those few. If the
// guess lets fewer than k through, the threshold drops to -inf and every key is a candidate.
void select_top_k(const float* row, int64_t N, int64_t k, std::vector<float>& sample,
                  std::vector<std::pair<float, int64_t>>& top) {
    top.clear();
    if (k <= 0) return;
    const int64_t S = std::min<int64_t>(N, 2048), stride = N / S;
    const int64_t wanted = std::min(N, k + k / 2 + 64);
    const int64_t m = S - (S * wanted + N - 1) / N;   // sample rank whose value about `wanted` keys exceed
    float threshold = -std::numeric_limits<float>::infinity();
    if (m > 0 && wanted < N) {
        sample.resize(size_t(S));
        for (int64_t i = 0; i < S; ++i) sample[size_t(i)] = row[i * stride];
        std::nth_element(sample.begin(), sample.begin() + m, sample.end());
        threshold = sample[size_t(m)];
    }
    for (int pass = 0; pass < 2; ++pass) {
        for (int64_t j = 0; j < N; ++j)
            if (row[j] >= threshold) top.emplace_back(row[j], j);
        if (int64_t(top.size()) >= k) break;
        top.clear();
        threshold = -std::numeric_limits<float>::infinity();
    }
    auto closer = [](const std::pair<float, int64_t>& a, const std::pair<float, int64_t>& c) {
        return a.first > c.first || (a.first == c.first && a.second < c.second);
    };
    if (int64_t(top.size()) > k) std::nth_element(top.begin(), top.begin() + k, top.end(), closer);
    top.resize(size_t(k));
    std::sort(top.begin(), top.end(), closer);
}

}  // namespace

void search_neighbors(const Tensor& queries, const Tensor& references,
                      const std::function<int64_t(int64_t q)>& k_of_query, const SearchOptions& options,
                      const std::function<void(int64_t q, const NeighborList& neighbors)>& visit) {
    CT_CHECK(queries.dim() == 2 && references.dim() == 2 && queries.size(1) == references.size(1),
             "search_neighbors: queries " << queries.shape() << " and references " << references.shape()
                                         << " must be (Q,D) and (N,D)");
    CT_CHECK(references.size(0) > 0, "search_neighbors: no references");
    CT_CHECK(!options.exclude_self || queries.size(0) == references.size(0),
             "search_neighbors: exclude_self needs queries = references, got " << queries.size(0) << " and "
                                                                              << references.size(0) << " rows");
    CT_CHECK(options.block > 0, "search_neighbors: block must be positive, got " << options.block);
    const int64_t Q = queries.size(0), N = references.size(0), D = queries.size(1);
    const bool cosine = options.distance == SearchMetric::Cosine;
    const int64_t available = N - (options.exclude_self ? 1 : 0);

    // Cosine: dot products of unit rows. Euclidean: rank by key = 2 q.r - |r|^2, which orders like
    // -|q - r|^2 for a fixed q (the |q|^2 term is the same along a row), so one GEMM serves both.
    std::vector<float> qbuf, rbuf;
    const float* qdata = queries.data();
    const float* rdata = references.data();
    if (cosine) {
        qbuf = unit_rows(queries);
        rbuf = unit_rows(references);
        qdata = qbuf.data();
        rdata = rbuf.data();
    }
    const std::vector<float> rnorm2 = cosine ? std::vector<float>() : squared_norms(rdata, N, D);
    const std::vector<float> qnorm2 = cosine ? std::vector<float>() : squared_norms(qdata, Q, D);

    const int64_t block = std::min(options.block, Q);
    std::vector<float> key(size_t(block * N));
    for (int64_t q0 = 0; q0 < Q; q0 += block) {
        const int64_t b = std::min(block, Q - q0);
        // key(b,N) = q r^T (times 2 for Euclidean)
        gemm(NoTrans, Trans, b, N, D, cosine ? 1.f : 2.f, qdata + q0 * D, D, rdata, D, 0.f, key.data(), N);
#pragma omp parallel
        {
            std::vector<float> sample;
            std::vector<std::pair<float, int64_t>> top;
            std::vector<int64_t> index;
            std::vector<float> score;
#pragma omp for schedule(dynamic, 4)
            for (int64_t r = 0; r < b; ++r) {
                const int64_t q = q0 + r;
                float* row = key.data() + r * N;
                if (!cosine)
                    for (int64_t j = 0; j < N; ++j) row[j] -= rnorm2[size_t(j)];
                if (options.exclude_self) row[q] = -std::numeric_limits<float>::infinity();
                const int64_t k = std::min(std::max<int64_t>(k_of_query(q), 0), available);
                select_top_k(row, N, k, sample, top);
                index.resize(size_t(k));
                score.resize(size_t(k));
                for (int64_t i = 0; i < k; ++i) {
                    const float s = top[size_t(i)].first;
                    index[size_t(i)] = top[size_t(i)].second;
                    score[size_t(i)] = cosine ? s : std::sqrt(std::max(0.f, qnorm2[size_t(q)] - s));
                }
                visit(q, NeighborList{index.data(), score.data(), k});
            }
        }
    }
}

Neighbors knn_search(const Tensor& queries, const Tensor& references, int64_t k, const SearchOptions& options) {
    CT_CHECK(k >= 1, "knn_search: k must be at least 1, got " << k);
    CT_CHECK(references.dim() == 2 && k <= references.size(0) - (options.exclude_self ? 1 : 0),
             "knn_search: k = " << k << " but only " << (references.dim() == 2 ? references.size(0) : 0)
                                << " references" << (options.exclude_self ? " (one excluded: self)" : ""));
    Neighbors out;
    out.k = k;
    const int64_t Q = queries.dim() == 2 ? queries.size(0) : 0;
    out.index.assign(size_t(Q * k), -1);
    out.score.assign(size_t(Q * k), 0.f);
    search_neighbors(queries, references, [k](int64_t) { return k; }, options,
                     [&out, k](int64_t q, const NeighborList& nb) {
                         std::copy(nb.index, nb.index + nb.k, out.index.begin() + q * k);
                         std::copy(nb.score, nb.score + nb.k, out.score.begin() + q * k);
                     });
    return out;
}

}  // namespace ct
