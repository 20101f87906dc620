// losses/triplet: explicit triplets (plain, squared, swap, soft margin, reducers) and mined ones
// (batch-hard, batch-all, semihard) against double loops; zero loss when every negative is beyond
// the margin; gradchecks away from the hinge; edge cases.
#include "losses/triplet.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
struct Ref {   // per-triplet terms in double
    bool squared = false, swap = false, soft = false;
    double margin = 1;
    double term(const Row& a, const Row& p, const Row& n) const {
        auto d = [&](const Row& u, const Row& v) { return squared ? sq_dist(u, v) : dist(u, v); };
        double an = d(a, n);
        if (swap) an = std::min(an, d(p, n));
        return soft ? softplus(d(a, p) - an) : relu(d(a, p) - an + margin);
    }
};
double mean_of(const std::vector<double>& v, bool nonzero) {
    double s = 0;
    int n = 0;
    for (double x : v)
        if (!nonzero || x > 0) s += x, ++n;
    return n ? s / n : 0.0;
}
}  // namespace

TEST_CASE("losses triplet: explicit triplets worked by hand") {
    // a = (0,0), p = (1,0), n = (0,2): d(a,p) = 1, d(a,n) = 2. margin 1: max(0, 1 - 2 + 1) = 0;
    // margin 1.5: 0.5; squared: max(0, 1 - 4 + 1.5) = 0; swap: d(p,n) = sqrt5 > 2, unchanged;
    // soft margin: log(1 + e^(1-2)) = 0.31326.
    const Tensor a = Tensor::from_vector({0, 0}, {1, 2}), p = Tensor::from_vector({1, 0}, {1, 2});
    const Tensor n = Tensor::from_vector({0, 2}, {1, 2});
    TripletOptions o;
    CHECK(triplet_margin_loss(a, p, n, o).item() == 0.f);
    o.margin = 1.5f;
    CHECK(triplet_margin_loss(a, p, n, o).item() == doctest::Approx(0.5));
    o.swap = true;
    CHECK(triplet_margin_loss(a, p, n, o).item() == doctest::Approx(0.5));
    o.distance = Distance::squared_euclidean(false);
    CHECK(triplet_margin_loss(a, p, n, o).item() == 0.f);
    o.distance = Distance::euclidean(false);
    o.soft_margin = true;
    CHECK(triplet_margin_loss(a, p, n, o).item() == doctest::Approx(0.31326).epsilon(1e-4));
}

TEST_CASE("losses triplet: explicit triplets against a double loop, every option") {
    for (const auto& [N_, D_] : {std::pair<int64_t, int64_t>{1, 2}, {9, 4}, {31, 12}}) {
        const auto& N = N_; const auto& D = D_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        const Tensor a = randn({N, D}, 61), p = randn({N, D}, 62), n = randn({N, D}, 63);
        const Mat A = rows_of(a), P = rows_of(p), Nn = rows_of(n);
        for (int variant = 0; variant < 8; ++variant) {
            Ref r;
            r.squared = variant & 1;
            r.swap = variant & 2;
            r.soft = variant & 4;
            r.margin = r.squared ? 2.0 * double(D) : 1.0;   // squared distances are ~2D
            CAPTURE(N); CAPTURE(variant);
            TripletOptions o;
            o.margin = float(r.margin);
            o.swap = r.swap;
            o.soft_margin = r.soft;
            o.distance = r.squared ? Distance::squared_euclidean(false) : Distance::euclidean(false);
            std::vector<double> t;
            for (int64_t i = 0; i < N; ++i) t.push_back(r.term(A[size_t(i)], P[size_t(i)], Nn[size_t(i)]));
            CHECK(triplet_margin_loss(a, p, n, o).item() == doctest::Approx(mean_of(t, false)).epsilon(1e-4));
            o.reducer = Reduction::MeanNonZero;
            CHECK(triplet_margin_loss(a, p, n, o).item() == doctest::Approx(mean_of(t, true)).epsilon(1e-4));
            o.reducer = Reduction::Sum;
            CHECK(triplet_margin_loss(a, p, n, o).item() ==
                  doctest::Approx(mean_of(t, false) * double(N)).epsilon(1e-4));
        }
    }
}

TEST_CASE("losses triplet: batch-hard, batch-all and mined semihard against double loops") {
    const int64_t N = 32, D = 6;
    const Tensor x = randn({N, D}, 71);
    const std::vector<int64_t> labels = random_labels(N, 4, 72);
    const Mat X = unit_rows(rows_of(x));
    TripletOptions o;
    o.margin = 0.2f;
    o.distance = Distance::euclidean(true);
    // batch-hard: per anchor the farthest positive and the closest negative, mean over anchors
    std::vector<double> hard, all;
    for (int64_t a = 0; a < N; ++a) {
        double far_p = -1, near_n = 1e30;
        for (int64_t j = 0; j < N; ++j) {
            if (j == a) continue;
            const double d = dist(X[size_t(a)], X[size_t(j)]);
            if (labels[size_t(j)] == labels[size_t(a)]) far_p = std::max(far_p, d);
            else near_n = std::min(near_n, d);
        }
        if (far_p >= 0 && near_n < 1e30) hard.push_back(relu(far_p - near_n + 0.2));
        for (int64_t p = 0; p < N; ++p)
            for (int64_t n = 0; n < N; ++n)
                if (p != a && labels[size_t(p)] == labels[size_t(a)] && labels[size_t(n)] != labels[size_t(a)])
                    all.push_back(relu(dist(X[size_t(a)], X[size_t(p)]) - dist(X[size_t(a)], X[size_t(n)]) + 0.2));
    }
    CHECK(batch_hard_triplet_loss(x, labels, o).item() == doctest::Approx(mean_of(hard, false)).epsilon(1e-4));
    CHECK(batch_all_triplet_loss(x, labels, o).item() == doctest::Approx(mean_of(all, true)).epsilon(1e-4));
    // semihard mined triplets, mean over them
    const TripletIndices semi = triplet_margin_miner(x, labels, 0.2f, TripletType::SemiHard).triplets;
    REQUIRE(semi.size() > 0);
    std::vector<double> t;
    Ref r;
    r.margin = 0.2;
    for (int64_t k = 0; k < semi.size(); ++k)
        t.push_back(r.term(X[size_t(semi.anchors[size_t(k)])], X[size_t(semi.positives[size_t(k)])],
                           X[size_t(semi.negatives[size_t(k)])]));
    CHECK(triplet_margin_loss(x, semi, o).item() == doctest::Approx(mean_of(t, false)).epsilon(1e-4));
    // swap and cosine similarity on all triplets: max(0, s(a,n) - s(a,p) + m), s(a,n) -> max(s(a,n), s(p,n))
    TripletOptions c;
    c.distance = Distance::cosine();
    c.margin = 0.3f;
    c.swap = true;
    const TripletIndices every = all_triplets(labels);
    std::vector<double> ct_terms;
    for (int64_t k = 0; k < every.size(); ++k) {
        const Row &a = X[size_t(every.anchors[size_t(k)])], &p = X[size_t(every.positives[size_t(k)])],
                  &n = X[size_t(every.negatives[size_t(k)])];
        ct_terms.push_back(relu(std::max(dot(a, n), dot(p, n)) - dot(a, p) + 0.3));
    }
    CHECK(triplet_margin_loss(x, every, c).item() == doctest::Approx(mean_of(ct_terms, false)).epsilon(1e-4));
}

TEST_CASE("losses triplet: zero when every negative is beyond the margin") {
    // two tight clusters 100 apart: d(a,p) < 1, d(a,n) > 98, so d(a,p) - d(a,n) + 1 < 0 everywhere
    Tensor x = randn({8, 3}, 81) * 0.1f;
    x = x + Tensor::from_vector({0, 0, 0, 0, 100, 100, 100, 100}, {8, 1});
    const std::vector<int64_t> labels = {0, 0, 0, 0, 1, 1, 1, 1};
    const Tensor leaf = x.detach().requires_grad_(true);
    const Tensor loss = batch_all_triplet_loss(leaf, labels);   // TripletOptions{}: margin 1, raw
    loss.backward();
    CHECK(loss.item() == 0.f);
    CHECK(leaf.grad().to_vector() == std::vector<float>(24, 0.f));
    CHECK(batch_hard_triplet_loss(leaf, labels).item() == 0.f);
}

TEST_CASE("losses triplet: gradcheck of explicit and mined losses") {
    const Tensor a = randn({5, 3}, 101), p = randn({5, 3}, 102), n = randn({5, 3}, 103);
    TripletOptions o;
    o.margin = 1.f;
    // keep d(a,p) - d(a,n) + margin 0.1 away from the hinge, and the swap's min away from a tie
    const Mat A = rows_of(a), P = rows_of(p), Nn = rows_of(n);
    for (size_t i = 0; i < 5; ++i) {
        REQUIRE(std::fabs(dist(A[i], P[i]) - dist(A[i], Nn[i]) + 1.0) > 0.1);
        REQUIRE(std::fabs(dist(A[i], Nn[i]) - dist(P[i], Nn[i])) > 0.1);
    }
    for (int variant = 0; variant < 4; ++variant) {
        o.swap = variant & 1;
        o.soft_margin = variant & 2;
        CAPTURE(variant);
        check_gradients([o](const std::vector<Tensor>& t) { return triplet_margin_loss(t[0], t[1], t[2], o); },
                        {a, p, n});
    }
    // mined: soft margin (smooth, so the selection is the only kink: fixed indices here)
    const Tensor x = randn({8, 4}, 94);
    const std::vector<int64_t> labels = {0, 0, 1, 1, 2, 2, 0, 1};
    TripletOptions s;
    s.soft_margin = true;
    s.distance = Distance::euclidean(true);
    const TripletIndices every = all_triplets(labels);
    check_gradients([&](const std::vector<Tensor>& t) { return triplet_margin_loss(t[0], every, s); }, {x},
                    {1e-3, 1e-3, 1e-2, 1234});
}

TEST_CASE("losses triplet: edge cases give a defined loss, no NaN") {
    const Tensor x = randn({6, 4}, 95).requires_grad_(true);
    // all labels equal: no negatives, nothing mined -> 0 connected to the graph
    const Tensor same = batch_hard_triplet_loss(x, std::vector<int64_t>(6, 2));
    same.backward();
    CHECK(same.item() == 0.f);
    CHECK(all_finite(x.grad()));
    // a class with a single sample (label 9), identical embeddings in a class
    Tensor y = cat({Tensor::ones({3, 4}), randn({3, 4}, 96)}, 0).requires_grad_(true);
    const Tensor loss = batch_all_triplet_loss(y, {0, 0, 0, 1, 1, 9});
    loss.backward();
    CHECK(std::isfinite(loss.item()));
    CHECK(all_finite(y.grad()));
}

TEST_CASE("losses triplet: errors name the op and the shapes") {
    CHECK_THROWS_WITH_AS(triplet_margin_loss(randn({3, 2}, 1), randn({3, 2}, 2), randn({2, 2}, 3)),
                         doctest::Contains("triplet_margin_loss: anchor [3, 2], positive [3, 2] and negative [2, 2]"),
                         ct::ShapeError);
    CHECK_THROWS_WITH_AS(batch_hard_triplet_loss(randn({3, 2}, 1), {0, 1}),
                         doctest::Contains("batch_hard_triplet_loss: embeddings [3, 2] but 2 labels"), ct::ShapeError);
    TripletIndices bad;
    bad.anchors = {0};
    bad.positives = {1};
    bad.negatives = {7};
    CHECK_THROWS_WITH_AS(triplet_margin_loss(randn({3, 2}, 1), bad),
                         doctest::Contains("index (0, 7) out of range for [3, 3]"), ct::ShapeError);
}
