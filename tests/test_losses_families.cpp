// losses/npair, multi_similarity, lifted_structure, alignment_uniformity, similarity_heads and
// reducer: each against a double loop over its formula on seeded inputs, gradchecks, edge cases.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
double log_sum_exp(const std::vector<double>& v) {
    double m = -1e300;
    for (double x : v) m = std::max(m, x);
    double s = 0;
    for (double x : v) s += std::exp(x - m);
    return m + std::log(s);
}
}  // namespace

TEST_CASE("losses reducer: mean, mean over non-zero, sum, none") {
    const Tensor l = Tensor::from_vector({0, 2, 0, 4});
    CHECK(reduce_losses(l, Reducer::Mean).item() == doctest::Approx(1.5));
    CHECK(reduce_losses(l, Reducer::MeanNonZero).item() == doctest::Approx(3.0));   // (2+4)/2
    CHECK(reduce_losses(l, Reducer::Sum).item() == doctest::Approx(6.0));
    CHECK(reduce_losses(l, Reducer::None).to_vector() == l.to_vector());
    CHECK(reduce_losses(Tensor::zeros({3}), Reducer::MeanNonZero).item() == 0.f);   // none non-zero: 0
    CHECK_THROWS_WITH_AS(reduce_losses(Tensor::zeros({2, 2}), Reducer::Mean),
                         doctest::Contains("reduce_losses: losses must be a vector (T), got [2, 2]"), ct::ShapeError);
}

TEST_CASE("losses npair: against a double loop, label selection, gradcheck") {
    for (auto [N, D] : {std::pair<int64_t, int64_t>{1, 2}, {5, 3}, {16, 8}}) {
        const Tensor a = randn({N, D}, 201), p = randn({N, D}, 202);
        const Mat A = rows_of(a), P = rows_of(p);
        double total = 0, reg = 0;
        for (int64_t i = 0; i < N; ++i) {
            double s = 0;   // log(1 + sum_{j != i} exp(a_i.p_j - a_i.p_i))
            for (int64_t j = 0; j < N; ++j)
                if (j != i) s += std::exp(dot(A[size_t(i)], P[size_t(j)]) - dot(A[size_t(i)], P[size_t(i)]));
            total += std::log1p(s);
            reg += dot(A[size_t(i)], A[size_t(i)]) + dot(P[size_t(i)], P[size_t(i)]);
        }
        CAPTURE(N);
        CHECK(npair_loss(a, p).item() == doctest::Approx(total / double(N)).epsilon(1e-4));
        CHECK(npair_loss(a, p, 0.01f).item() == doctest::Approx((total + 0.01 * reg) / double(N)).epsilon(1e-4));
    }
    // from labels: class 7 -> rows (0, 2); class 3 -> rows (1, 4); class 5 has one sample, skipped
    const Tensor x = randn({6, 3}, 203);
    const Tensor from_labels = npair_loss(x, {7, 3, 7, 5, 3, 7});
    CHECK(from_labels.item() == doctest::Approx(npair_loss(index_select(x, 0, {0, 1}), index_select(x, 0, {2, 4})).item()));
    CHECK(npair_loss(x, {0, 1, 2, 3, 4, 5}).item() == 0.f);   // no pair at all
    check_gradients([](const std::vector<Tensor>& t) { return npair_loss(t[0], t[1], 0.1f); },
                    {randn({4, 3}, 204), randn({4, 3}, 205)});
}

TEST_CASE("losses multi_similarity: against a double loop, all pairs and mined, gradcheck") {
    const int64_t N = 20, D = 5;
    const Tensor x = randn({N, D}, 211);
    std::vector<int64_t> labels = random_labels(N, 4, 212);
    labels[0] = 42;   // an anchor with no positive
    const Mat X = rows_of(x);
    auto reference = [&](const PairIndices& pairs) {
        std::vector<std::vector<double>> pos(N), neg(N);
        for (size_t k = 0; k < pairs.a1.size(); ++k)
            pos[size_t(pairs.a1[k])].push_back(-2.0 * (cosine(X[size_t(pairs.a1[k])], X[size_t(pairs.p[k])]) - 0.5));
        for (size_t k = 0; k < pairs.a2.size(); ++k)
            neg[size_t(pairs.a2[k])].push_back(50.0 * (cosine(X[size_t(pairs.a2[k])], X[size_t(pairs.n[k])]) - 0.5));
        double total = 0;
        for (int64_t i = 0; i < N; ++i) {
            pos[size_t(i)].push_back(0.0);   // the "1 +"
            neg[size_t(i)].push_back(0.0);
            total += log_sum_exp(pos[size_t(i)]) / 2.0 + log_sum_exp(neg[size_t(i)]) / 50.0;
        }
        return total / double(N);
    };
    CHECK(multi_similarity_loss(x, labels).item() == doctest::Approx(reference(all_pairs(labels))).epsilon(1e-4));
    const PairIndices mined = multi_similarity_miner(x, labels, 0.1f).pairs;
    CHECK(multi_similarity_loss(x, labels, mined).item() == doctest::Approx(reference(mined)).epsilon(1e-4));
    // beta 50 makes the negative term steep: a smaller finite-difference step (smooth, no kink)
    check_gradients([&](const std::vector<Tensor>& t) { return multi_similarity_loss(t[0], {0, 0, 1, 1, 2, 0}); },
                    {randn({6, 3}, 213)}, {1e-3, 1e-3, 2e-2, 1234});
    // all labels equal: no negatives, finite
    CHECK(std::isfinite(multi_similarity_loss(x, std::vector<int64_t>(N, 1)).item()));
}

TEST_CASE("losses lifted_structure: against a double loop, gradcheck, edge cases") {
    for (auto [N, D, C] : {std::tuple<int64_t, int64_t, int64_t>{4, 2, 2}, {18, 4, 4}}) {
        const Tensor x = randn({N, D}, 221);
        const std::vector<int64_t> labels = random_labels(N, C, 222);
        const Mat X = rows_of(x);
        const double m = 1.0;
        double total = 0;
        int pairs = 0;
        for (int64_t i = 0; i < N; ++i)
            for (int64_t j = i + 1; j < N; ++j) {
                if (labels[size_t(i)] != labels[size_t(j)]) continue;
                double s = 0;
                for (int64_t k = 0; k < N; ++k) {
                    if (labels[size_t(k)] != labels[size_t(i)]) s += std::exp(m - dist(X[size_t(i)], X[size_t(k)]));
                    if (labels[size_t(k)] != labels[size_t(j)]) s += std::exp(m - dist(X[size_t(j)], X[size_t(k)]));
                }
                const double J = std::log(s) + dist(X[size_t(i)], X[size_t(j)]);
                total += relu(J) * relu(J);
                ++pairs;
            }
        CAPTURE(N);
        REQUIRE(pairs > 0);
        CHECK(lifted_structure_loss(x, labels).item() == doctest::Approx(total / (2.0 * pairs)).epsilon(1e-4));
    }
    // J > 0 for these random points (checked by the loop above being non-zero): smooth there
    check_gradients([](const std::vector<Tensor>& t) { return lifted_structure_loss(t[0], {0, 0, 1, 1, 1}); },
                    {randn({5, 3}, 223)});
    const Tensor leaf = randn({4, 3}, 224).requires_grad_(true);
    const Tensor same = lifted_structure_loss(leaf, {1, 1, 1, 1});   // no negatives
    same.backward();
    CHECK(same.item() == 0.f);
    CHECK(all_finite(leaf.grad()));
    CHECK(lifted_structure_loss(leaf, {0, 1, 2, 3}).item() == 0.f);   // no positive pair
}

TEST_CASE("losses alignment_uniformity: against double loops, hand values, gradcheck") {
    const Tensor x = randn({12, 4}, 231), y = randn({12, 4}, 232);
    const Mat X = unit_rows(rows_of(x)), Y = unit_rows(rows_of(y));
    double align2 = 0, align1 = 0;
    for (size_t i = 0; i < X.size(); ++i) align2 += sq_dist(X[i], Y[i]), align1 += std::pow(dist(X[i], Y[i]), 1.5);
    std::vector<double> e;
    for (size_t i = 0; i < X.size(); ++i)
        for (size_t j = i + 1; j < X.size(); ++j) e.push_back(-2.0 * sq_dist(X[i], X[j]));
    const double unif_x = log_sum_exp(e) - std::log(double(e.size()));
    CHECK(alignment(x, y).item() == doctest::Approx(align2 / 12).epsilon(1e-5));
    CHECK(alignment(x, y, 1.5f).item() == doctest::Approx(align1 / 12).epsilon(1e-5));
    CHECK(uniformity(x).item() == doctest::Approx(unif_x).epsilon(1e-5));
    // two antipodal points: |x0 - x1|^2 = 4, uniform = log exp(-8) = -8; identical views: align 0
    const Tensor poles = Tensor::from_vector({0, 1, 0, -1}, {2, 2});
    CHECK(uniformity(poles).item() == doctest::Approx(-8.0));
    CHECK(alignment(poles, poles).item() == 0.f);
    const float total = align_uniform_loss(x, y).item();
    CHECK(total == doctest::Approx(alignment(x, y).item() + 0.5f * (uniformity(x).item() + uniformity(y).item())));
    check_gradients([](const std::vector<Tensor>& t) { return align_uniform_loss(t[0], t[1]); },
                    {randn({5, 3}, 233), randn({5, 3}, 234)});
    CHECK_THROWS_WITH_AS(uniformity(randn({1, 3}, 1)), doctest::Contains("uniformity: x must be (N,D) with N >= 2, got [1, 3]"),
                         ct::ShapeError);
}

TEST_CASE("losses similarity_heads: regression (MSE) and classification (BCE) similarity") {
    const Tensor a = randn({9, 4}, 241), b = randn({9, 4}, 242);
    Generator gen(243);
    const Tensor score = Tensor::uniform({9}, -1.f, 1.f, gen);   // real-valued target similarities
    const Tensor y = Tensor::from_vector({1, 0, 0, 1, 1, 0, 1, 0, 0});
    const Mat A = rows_of(a), B = rows_of(b);
    double mse = 0, bce = 0;
    const double scale = 1.5, bias = 2.5;
    for (int64_t i = 0; i < 9; ++i) {
        const double r = cosine(A[size_t(i)], B[size_t(i)]) - score.at({i});
        mse += r * r;
        const double z = scale * (bias - dist(A[size_t(i)], B[size_t(i)]));
        const double yi = y.at({i});   // -(y log s(z) + (1-y) log s(-z)), log s(z) = -softplus(-z)
        bce += yi * softplus(-z) + (1 - yi) * softplus(z);
    }
    CHECK(similarity_regression_loss(a, b, score).item() == doctest::Approx(mse / 9).epsilon(1e-5));
    const Tensor s = Tensor::scalar(1.5f), c = Tensor::scalar(2.5f);
    CHECK(similarity_classification_loss(a, b, y, s, c).item() == doctest::Approx(bce / 9).epsilon(1e-5));
    // stable for huge logits: BCE of z = +-1000 with the right label is 0, the wrong one 1000
    const Tensor big = Tensor::from_vector({1000.f, -1000.f});
    CHECK(binary_cross_entropy_with_logits(big, Tensor::from_vector({1, 0})).item() == doctest::Approx(0.0));
    CHECK(binary_cross_entropy_with_logits(big, Tensor::from_vector({0, 1})).item() == doctest::Approx(1000.0));
    // gradients reach the embeddings and the learned scale and bias
    check_gradients([&](const std::vector<Tensor>& t) {
        return similarity_classification_loss(t[0], t[1], y, t[2], t[3]);
    }, {a, b, Tensor::scalar(1.5f), Tensor::scalar(2.5f)});
    check_gradients([&](const std::vector<Tensor>& t) { return similarity_regression_loss(t[0], t[1], score); }, {a, b});
    CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(big, Tensor::from_vector({0, 2})),
                         doctest::Contains("targets must lie in [0,1], got 2"), ct::ValueError);
    CHECK_THROWS_WITH_AS(mse_loss(big, Tensor::zeros({3})),
                         doctest::Contains("mse_loss: pred [2] and target [3] must both be (T)"), ct::ShapeError);
}
