// losses/contrastive: the Hadsell form (with and without the 1/2 factors) and the
// pytorch-metric-learning form (Euclidean and cosine) against double loops over the formulas,
// hand-worked values, gradchecks away from the hinge, and edge cases.
#include "losses/contrastive.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// Hadsell per-pair terms in double: y d^2 + (1-y) max(0, m-d)^2, times 1/2 when half.
std::vector<double> hadsell_terms(const Mat& A, const Mat& B, const std::vector<float>& y, double m, bool half) {
    std::vector<double> t;
    for (size_t i = 0; i < A.size(); ++i) {
        const double d = dist(A[i], B[i]);
        const double v = y[i] * d * d + (1 - y[i]) * relu(m - d) * relu(m - d);
        t.push_back(half ? 0.5 * v : v);
    }
    return t;
}
double mean_nonzero(const std::vector<double>& v) {
    double s = 0;
    int n = 0;
    for (double x : v)
        if (x > 0) s += x, ++n;
    return n ? s / n : 0.0;
}
Tensor random_binary(int64_t n, uint64_t seed) {
    Generator gen(seed);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = float(gen.randint(2));
    return Tensor::from_vector(v);
}
}  // namespace

TEST_CASE("losses contrastive: Hadsell form worked by hand") {
    // x1 = (0,0), x2 = (0.6,0.8): d = 1. Similar (y=1): 1/2 * 1^2 = 0.5.
    // Dissimilar (y=0), m = 2: 1/2 * (2-1)^2 = 0.5; without the halves (W1's form): 1.
    // Dissimilar at d = 1 beyond m = 0.5: 0.
    const Tensor a = Tensor::from_vector({0, 0}, {1, 2}), b = Tensor::from_vector({0.6f, 0.8f}, {1, 2});
    CHECK(contrastive_loss(a, b, Tensor::from_vector({1.f})).item() == doctest::Approx(0.5));
    ContrastiveOptions o;
    o.margin = 2.f;
    CHECK(contrastive_loss(a, b, Tensor::from_vector({0.f}), o).item() == doctest::Approx(0.5));
    o.half = false;
    CHECK(contrastive_loss(a, b, Tensor::from_vector({0.f}), o).item() == doctest::Approx(1.0));
    o.margin = 0.5f;
    CHECK(contrastive_loss(a, b, Tensor::from_vector({0.f}), o).item() == 0.f);
}

TEST_CASE("losses contrastive: Hadsell form against a double loop, shapes and reducers") {
    for (const auto& [n_, d_] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {33, 16}}) {
        const int64_t N = n_, D = d_;   // plain variables: CAPTURE's lambda cannot capture a binding in C++17
        CAPTURE(N); CAPTURE(D);
        const Tensor a = randn({N, D}, 21), b = randn({N, D}, 22), y = random_binary(N, 23);
        const float m = std::sqrt(2.f * float(D)) + 0.5f;   // typical d ~ sqrt(2D): some inside the margin
        for (bool half : {true, false}) {
            const std::vector<double> t = hadsell_terms(rows_of(a), rows_of(b), y.to_vector(), m, half);
            double total = 0;
            for (double v : t) total += v;
            ContrastiveOptions o;
            o.margin = m;
            o.half = half;
            CHECK(contrastive_loss(a, b, y, o).item() == doctest::Approx(total / double(N)).epsilon(1e-5));
            o.reducer = Reduction::Sum;
            CHECK(contrastive_loss(a, b, y, o).item() == doctest::Approx(total).epsilon(1e-5));
            o.reducer = Reduction::MeanNonZero;
            CHECK(contrastive_loss(a, b, y, o).item() == doctest::Approx(mean_nonzero(t)).epsilon(1e-5));
            o.reducer = Reduction::None;
            const Tensor per = contrastive_loss(a, b, y, o);
            for (int64_t i = 0; i < N; ++i) CHECK(per.at({i}) == doctest::Approx(t[size_t(i)]).epsilon(1e-5));
        }
    }
}

TEST_CASE("losses contrastive: Hadsell gradcheck, and identical embeddings give a finite gradient") {
    const int64_t N = 6, D = 3;
    const Tensor a = randn({N, D}, 31), b = randn({N, D}, 32), y = Tensor::from_vector({1, 0, 1, 0, 0, 1});
    ContrastiveOptions o;
    o.margin = 2.5f;
    // The hinge max(0, m - d) has a kink at d = m: keep every pair 0.1 away from it (finite
    // differences step 1e-2 in the inputs).
    const Mat A = rows_of(a), B = rows_of(b);
    for (int64_t i = 0; i < N; ++i) REQUIRE(std::fabs(dist(A[size_t(i)], B[size_t(i)]) - 2.5) > 0.1);
    check_gradients([&](const std::vector<Tensor>& t) { return contrastive_loss(t[0], t[1], y, o); }, {a, b});
    o.reducer = Reduction::None;
    check_gradients([&](const std::vector<Tensor>& t) { return contrastive_loss(t[0], t[1], y, o); }, {a, b});

    const Tensor x1 = Tensor::ones({2, 3}).requires_grad_(true), x2 = Tensor::ones({2, 3}).requires_grad_(true);
    const Tensor loss = contrastive_loss(x1, x2, Tensor::from_vector({0, 1}));
    loss.backward();
    CHECK(loss.item() == doctest::Approx(0.25));   // mean(1/2 (1-0)^2, 0)
    CHECK(all_finite(x1.grad()));
}

namespace {
// pytorch-metric-learning's ContrastiveLoss in double over the given pairs: positives
// relu(d - pm), negatives relu(nm - d) (a similarity: relu(pm - s), relu(s - nm)), each part
// averaged over its non-zero terms, then summed.
double pml_reference(const Mat& X, const PairIndices& p, double pm, double nm, bool cosine_sim) {
    std::vector<double> pos, neg;
    for (size_t k = 0; k < p.a1.size(); ++k) {
        const Row &u = X[size_t(p.a1[k])], &v = X[size_t(p.p[k])];
        pos.push_back(cosine_sim ? relu(pm - cosine(u, v)) : relu(dist(unit(u), unit(v)) - pm));
    }
    for (size_t k = 0; k < p.a2.size(); ++k) {
        const Row &u = X[size_t(p.a2[k])], &v = X[size_t(p.n[k])];
        neg.push_back(cosine_sim ? relu(cosine(u, v) - nm) : relu(nm - dist(unit(u), unit(v))));
    }
    return mean_nonzero(pos) + mean_nonzero(neg);
}
}  // namespace

TEST_CASE("losses contrastive: pytorch-metric-learning form against a double loop") {
    for (const auto& [n_, d_, C] : {std::tuple<int64_t, int64_t, int64_t>{4, 2, 2}, {16, 5, 3}, {40, 8, 6}}) {
        const int64_t N = n_, D = d_;   // plain variables: CAPTURE's lambda cannot capture a binding in C++17
        CAPTURE(N); CAPTURE(D);
        const Tensor x = randn({N, D}, 41);
        const std::vector<int64_t> labels = random_labels(N, C, 42);
        const Mat X = rows_of(x);
        PmlContrastiveOptions o;
        o.pos_margin = 0.3f;
        o.neg_margin = 1.2f;
        CHECK(contrastive_loss_pml(x, labels, o).item() ==
              doctest::Approx(pml_reference(X, all_pairs(labels), 0.3, 1.2, false)).epsilon(1e-4));
        // cosine: the margins' roles reversed (pull positives above 0.8, push negatives below 0.1)
        PmlContrastiveOptions c;
        c.distance = Distance::cosine();
        c.pos_margin = 0.8f;
        c.neg_margin = 0.1f;
        CHECK(contrastive_loss_pml(x, labels, c).item() ==
              doctest::Approx(pml_reference(X, all_pairs(labels), 0.8, 0.1, true)).epsilon(1e-4));
        // on mined pairs only
        const PairIndices mined = pair_margin_miner(x, labels, 0.5f, 1.0f).pairs;
        CHECK(contrastive_loss_pml(x, labels, mined, o).item() ==
              doctest::Approx(pml_reference(X, mined, 0.3, 1.2, false)).epsilon(1e-4));
    }
}

TEST_CASE("losses contrastive: pytorch-metric-learning form gradcheck and edge cases") {
    const Tensor x = randn({6, 3}, 51);
    const std::vector<int64_t> labels = {0, 0, 1, 1, 2, 0};
    PmlContrastiveOptions o;
    o.pos_margin = 0.3f;
    o.neg_margin = 1.2f;
    // keep every pair's distance 0.05 away from both hinges (and the non-zero counts fixed)
    const Mat X = unit_rows(rows_of(x));
    for (size_t i = 0; i < X.size(); ++i)
        for (size_t j = 0; j < i; ++j) {
            const double d = dist(X[i], X[j]);
            REQUIRE(std::fabs(d - 0.3) > 0.05);
            REQUIRE(std::fabs(d - 1.2) > 0.05);
        }
    check_gradients([&](const std::vector<Tensor>& t) { return contrastive_loss_pml(t[0], labels, o); }, {x},
                    {1e-3, 1e-3, 1e-2, 1234});
    PmlContrastiveOptions c;
    c.distance = Distance::cosine();
    c.pos_margin = 1.f;   // every positive below cosine 1 contributes: no kink
    c.neg_margin = -1.f;  // every negative above -1 contributes: no kink
    check_gradients([&](const std::vector<Tensor>& t) { return contrastive_loss_pml(t[0], labels, c); }, {x},
                    {1e-3, 1e-3, 1e-2, 1234});

    // all labels equal: no negatives; all distinct: no positives; no pairs at all: 0, no NaN.
    const Tensor leaf = randn({5, 3}, 52).requires_grad_(true);
    const Tensor same = contrastive_loss_pml(leaf, std::vector<int64_t>(5, 1), o);
    CHECK(std::isfinite(same.item()));
    const Tensor none = contrastive_loss_pml(leaf, {0, 1, 2, 3, 4}, PairIndices{}, o);
    none.backward();
    CHECK(none.item() == 0.f);
    CHECK(leaf.grad().to_vector() == std::vector<float>(15, 0.f));
}

TEST_CASE("losses contrastive: pytorch-metric-learning form, duplicate positives are no violation") {
    // Rows 0 and 1 are the same embedding (class 0); rows 2, 3 are class 1. Normalised:
    // e0 = e1 = (1,2,2)/3, e2 = (3,0,4)/5 = (0.6,0,0.8), e3 = (0,3,4)/5 = (0,0.6,0.8).
    // Positives, pos_margin 0: d(0,1) = 0 exactly, so relu(0 - 0) = 0 and it is no violation;
    //   d(2,3) = |(0.6,-0.6,0)| = 0.6 sqrt 2 = 0.848528; mean over the 2 non-zero terms = 0.848528
    //   (were d(0,1) a rounding residue ~3e-4, the 4 terms would average to ~0.42).
    // Negatives, neg_margin 1: d(0,2) = sqrt(0.266667^2 + 0.666667^2 + 0.133333^2) = sqrt(8/15) = 0.730297,
    //   d(0,3) = sqrt(0.333333^2 + 0.066667^2 + 0.133333^2) = sqrt(2/15) = 0.365148; each 4 times:
    //   mean of relu(1 - d) = (0.269703 + 0.634852) / 2 = 0.452275.  Total 1.300803.
    const Tensor e = Tensor::from_vector({1, 2, 2, 1, 2, 2, 3, 0, 4, 0, 3, 4}, {4, 3}).requires_grad_(true);
    const Tensor loss = contrastive_loss_pml(e, {0, 0, 1, 1});
    CHECK(loss.item() == doctest::Approx(1.300803).epsilon(1e-5));
    loss.backward();
    CHECK(all_finite(e.grad()));
    // Positives alone: only the pair (2,3) counts.
    const Tensor pos = contrastive_loss_pml(e.detach(), {0, 0, 1, 1}, PairIndices{{0, 1, 2, 3}, {1, 0, 3, 2}, {}, {}});
    CHECK(pos.item() == doctest::Approx(0.848528).epsilon(1e-5));
}

TEST_CASE("losses contrastive: errors name the op and the values") {
    const Tensor a = randn({3, 2}, 1), b = randn({3, 2}, 2);
    CHECK_THROWS_WITH_AS(contrastive_loss(a, randn({4, 2}, 3), Tensor::zeros({3})),
                         doctest::Contains("contrastive_loss: x1 [3, 2] and x2 [4, 2] must both be (N,D)"),
                         ct::ShapeError);
    CHECK_THROWS_WITH_AS(contrastive_loss(a, b, Tensor::zeros({2})),
                         doctest::Contains("contrastive_loss: y [2] must be (3)"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(contrastive_loss(a, b, Tensor::from_vector({0, 1, 2})),
                         doctest::Contains("y must hold 0 (dissimilar) or 1 (similar), got 2"), ct::ValueError);
    CHECK_THROWS_WITH_AS(contrastive_loss_pml(a, {0, 1}),
                         doctest::Contains("contrastive_loss_pml: embeddings [3, 2] but 2 labels"), ct::ShapeError);
}
