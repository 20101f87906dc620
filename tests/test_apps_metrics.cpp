// apps/lib/metrics: Precision@1, R-precision, MAP@R, kNN and weighted kNN accuracy, by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/lib/metrics.h"

using namespace ct;

namespace {
// Points on a line (second coordinate 0), so Euclidean distances are |x - y|.
Tensor on_line(const std::vector<float>& xs) {
    std::vector<float> v;
    for (float x : xs) v.insert(v.end(), {x, 0.f});
    return Tensor::from_vector(v, {int64_t(xs.size()), 2});
}
Tensor at_angles(const std::vector<double>& degrees, const std::vector<float>& lengths) {
    std::vector<float> v;
    for (size_t i = 0; i < degrees.size(); ++i) {
        const double r = degrees[i] * M_PI / 180;
        v.insert(v.end(), {float(lengths[i] * std::cos(r)), float(lengths[i] * std::sin(r))});
    }
    return Tensor::from_vector(v, {int64_t(degrees.size()), 2});
}
}  // namespace

// references: x = 0 (A), 1 (A), 2 (B), 3 (A), 4 (B)     A = 0, B = 1, C = 2
// q0 x = 1.6, A, R = 3: ranking r2 B (.4), r1 A (.6), r3 A (1.4) | r0 A, r4 B  ->  rel 0 1 1
//    P@1 = 0, R-precision = 2/3, MAP@R = (0 + 1/2 + 2/3) / 3 = 7/18
// q1 x = 3.9, B, R = 2: ranking r4 B (.1), r3 A (.9) | r2 B, ...                ->  rel 1 0
//    P@1 = 1, R-precision = 1/2, MAP@R = (1 + 0) / 2 = 1/2
// q2 x = 0,   C, R = 0: no reference has its label: a miss for P@1, left out of the R-based means.
// P@1 = (0 + 1 + 0) / 3 = 1/3;  R-precision = (2/3 + 1/2) / 2 = 7/12;  MAP@R = (7/18 + 1/2) / 2 = 4/9
TEST_CASE("apps metrics: Precision@1, R-precision and MAP@R worked by hand") {
    Tensor refs = on_line({0, 1, 2, 3, 4});
    const std::vector<int64_t> ref_labels{0, 0, 1, 0, 1};
    Tensor queries = on_line({1.6f, 3.9f, 0.f});
    const std::vector<int64_t> labels{0, 1, 2};
    for (int64_t block : {1, 2, 64}) {
        RetrievalMetrics m = retrieval_metrics(queries, labels, refs, ref_labels, {SearchMetric::Euclidean, false, block});
        CHECK(m.precision_at_1 == doctest::Approx(1.0 / 3));
        CHECK(m.r_precision == doctest::Approx(7.0 / 12));
        CHECK(m.map_at_r == doctest::Approx(4.0 / 9));
        CHECK(m.queries == 3);
        CHECK(m.without_relevant == 1);
    }
}

TEST_CASE("apps metrics: leave-one-out on one set (exclude_self) lowers R by one") {
    // x = 0 A, 1 A, 5 B, 6 B, 6.4 A. Each point's own entry is skipped.
    // 0 A (R=2): 1 A, 5 B  -> P@1 1, MAP@R (1 + 0)/2 = 1/2;  1 A (R=2): 0 A, 5 B -> 1, 1/2
    // 5 B (R=1): 6 B -> 1, 1;  6 B (R=1): 6.4 A -> 0, 0;  6.4 A (R=2): 6 B, 5 B -> 0, 0
    // P@1 = 3/5, MAP@R = (1/2 + 1/2 + 1 + 0 + 0) / 5 = 2/5; R-precision = (1/2 + 1/2 + 1 + 0 + 0)/5 = 2/5
    Tensor x = on_line({0, 1, 5, 6, 6.4f});
    const std::vector<int64_t> y{0, 0, 1, 1, 0};
    RetrievalMetrics m = retrieval_metrics(x, y, x, y, {SearchMetric::Euclidean, true});
    CHECK(m.precision_at_1 == doctest::Approx(3.0 / 5));
    CHECK(m.map_at_r == doctest::Approx(2.0 / 5));
    CHECK(m.r_precision == doctest::Approx(2.0 / 5));
    CHECK(knn_accuracy(x, y, x, y, 1, {SearchMetric::Euclidean, true}) == doctest::Approx(3.0 / 5));
}

TEST_CASE("apps metrics: kNN majority vote") {
    Tensor refs = on_line({0, 1, 2, 3, 4});
    const std::vector<int64_t> ref_labels{0, 0, 1, 0, 1};
    Tensor queries = on_line({1.6f, 3.9f, 0.f});
    const std::vector<int64_t> labels{0, 1, 2};
    const SearchOptions euclid{SearchMetric::Euclidean};
    // k = 3: q0 B A A -> A right; q1 B A B -> B right; q2 A A B -> A, wrong (label C): 2/3
    CHECK(knn_accuracy(queries, labels, refs, ref_labels, 3, euclid) == doctest::Approx(2.0 / 3));
    // k = 2: q0 B A tie -> B (nearer) wrong; q1 B A tie -> B right; q2 A A wrong: 1/3
    CHECK(knn_accuracy(queries, labels, refs, ref_labels, 2, euclid) == doctest::Approx(1.0 / 3));
    // k = 1 is Precision@1
    CHECK(knn_accuracy(queries, labels, refs, ref_labels, 1, euclid) == doctest::Approx(1.0 / 3));
}

// references at angles 20 (A), 25 (A), 60 (B), 180 (B) degrees, lengths 1, 3, 0.5, 2 (cosine ignores them);
// query at 57 degrees, label B. Cosines: 60 -> cos 3 = .998630, 25 -> cos 32 = .848048, 20 -> cos 37 = .798636.
// k = 3 keeps 60 (B), 25 (A), 20 (A): the majority says A (wrong), but with T = 0.1 the weights are
// B: e^9.98630 = 21726.7 against A: e^8.48048 + e^7.98636 = 7760.3, so B (right). With T = 10 the
// weights flatten: B: e^.099863 = 1.1050 against A: 1.0885 + 1.0831 = 2.1716, so A (wrong).
TEST_CASE("apps metrics: weighted kNN with temperature, as in the SSL benchmarks") {
    Tensor refs = at_angles({20, 25, 60, 180}, {1, 3, 0.5f, 2});
    const std::vector<int64_t> ref_labels{0, 0, 1, 1};
    Tensor q = at_angles({57}, {1});
    CHECK(knn_accuracy(q, {1}, refs, ref_labels, 3) == 0.0);
    CHECK(weighted_knn_accuracy(q, {1}, refs, ref_labels, 3, 0.1f) == 1.0);
    CHECK(weighted_knn_accuracy(q, {1}, refs, ref_labels, 3, 10.f) == 0.0);
    // k = 200 > 4 references: capped, all four vote; B gains e^(-.544639/.1) = .0043, still B
    CHECK(weighted_knn_accuracy(q, {1}, refs, ref_labels, 200, 0.1f) == 1.0);
    CHECK_THROWS_WITH_AS(weighted_knn_accuracy(q, {1}, refs, ref_labels, 3, 0.1f, {SearchMetric::Euclidean}),
                         doctest::Contains("need cosine similarity, got distance euclidean"), ShapeError);
}

TEST_CASE("apps metrics: evaluate_embeddings on separated classes is perfect") {
    // three tight groups at angles 0, 120, 240 degrees: every metric is 1
    std::vector<double> angles;
    std::vector<float> lengths;
    std::vector<int64_t> labels;
    for (int c = 0; c < 3; ++c)
        for (int i = 0; i < 6; ++i) {
            angles.push_back(120.0 * c + i - 2.5);
            lengths.push_back(1.f + 0.1f * i);
            labels.push_back(c);
        }
    Tensor x = at_angles(angles, lengths);
    Generator gen(3);
    EmbeddingMetrics m = evaluate_embeddings(x, labels, x, labels, gen, {SearchMetric::Cosine, true});
    CHECK(m.retrieval.precision_at_1 == 1.0);
    CHECK(m.retrieval.map_at_r == doctest::Approx(1.0));
    CHECK(m.knn1_accuracy == 1.0);
    CHECK(m.weighted_knn_accuracy == 1.0);
    CHECK(m.nmi == doctest::Approx(1.0));
}

TEST_CASE("apps metrics: errors name the op and the sizes") {
    Tensor x = Tensor::zeros({3, 2});
    CHECK_THROWS_WITH_AS(retrieval_metrics(x, {0, 1}, x, {0, 1, 2}),
                         doctest::Contains("retrieval_metrics: 2 query labels for 3 queries"), ShapeError);
    CHECK_THROWS_WITH_AS(knn_accuracy(x, {0, 1, 2}, x, {0, 1, 2}, 0), doctest::Contains("k must be at least 1, got 0"),
                         ShapeError);
}
