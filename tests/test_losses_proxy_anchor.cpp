// losses/proxy_anchor: Proxy Anchor against a double loop over the paper's formula (and one case
// by hand), classes without positives, gradients for embeddings and proxies, and errors.
#include "losses/proxy_anchor.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// Kim et al. eq. 4 in double: per proxy c, log(1 + sum_{i: y_i = c} e^{-alpha (s_ic - delta)}) over the
// proxies with a positive, averaged over those; log(1 + sum_{i: y_i != c} e^{alpha (s_ic + delta)})
// averaged over all proxies.
double proxy_anchor_reference(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& proxies,
                              double alpha, double delta) {
    const Mat X = unit_rows(rows_of(x)), P = unit_rows(rows_of(proxies));
    double pos = 0, neg = 0;
    int with_positives = 0;
    for (size_t c = 0; c < P.size(); ++c) {
        double sp = 0, sn = 0;
        bool has = false;
        for (size_t i = 0; i < X.size(); ++i) {
            const double s = dot(X[i], P[c]);
            if (labels[i] == int64_t(c)) sp += std::exp(-alpha * (s - delta)), has = true;
            else sn += std::exp(alpha * (s + delta));
        }
        if (has) pos += std::log1p(sp), ++with_positives;
        neg += std::log1p(sn);
    }
    return pos / with_positives + neg / double(P.size());
}
}  // namespace

TEST_CASE("losses proxy anchor: a case worked by hand") {
    // 2 classes in 2-D: proxies e1, e2; x0 = e1 (class 0), x1 = e2 (class 1). Cosines: s00 = s11 = 1,
    // s01 = s10 = 0. alpha 1, delta 0.1:
    // pos: each proxy log(1 + e^{-(1 - 0.1)}) = log(1 + e^-0.9); averaged over 2 -> log(1.40657) = 0.34116
    // neg: each proxy log(1 + e^{0 + 0.1}) = log(2.10517) = 0.74440; averaged over 2 -> 0.74440
    const Tensor x = Tensor::from_vector({1, 0, 0, 1}, {2, 2});
    const Tensor p = Tensor::from_vector({2, 0, 0, 3}, {2, 2});   // lengths do not matter
    CHECK(proxy_anchor_loss(x, {0, 1}, p, {1.f, 0.1f}).item() == doctest::Approx(0.34116 + 0.74440).epsilon(1e-4));
}

TEST_CASE("losses proxy anchor: against a double loop over the formula") {
    for (const auto& [N_, D_, C_] : {std::tuple<int64_t, int64_t, int64_t>{1, 3, 2}, {10, 4, 3}, {40, 16, 7}}) {
        const auto& N = N_; const auto& D = D_; const auto& C = C_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(N);
        const Tensor x = randn({N, D}, 201), p = randn({C, D}, 202);
        const std::vector<int64_t> labels = random_labels(N, C - 1, 203);   // class C-1 never has positives
        for (const auto& [alpha_, delta_] : {std::pair<float, float>{32.f, 0.1f}, {4.f, 0.f}, {16.f, 0.3f}}) {
            const auto& alpha = alpha_; const auto& delta = delta_;
            CAPTURE(alpha);
            CHECK(proxy_anchor_loss(x, labels, p, {alpha, delta}).item() ==
                  doctest::Approx(proxy_anchor_reference(x, labels, p, alpha, delta)).epsilon(1e-4));
        }
    }
}

TEST_CASE("losses proxy anchor: far-off embeddings at alpha 32 stay finite") {
    // each embedding opposite its own proxy: e^{alpha (1 + delta)} = e^35.2 per positive term
    Tensor x = Tensor::from_vector({-1, 0, -1, 0, 0, -1}, {3, 2}).requires_grad_(true);
    Tensor p = Tensor::from_vector({1, 0, 0, 1}, {2, 2}).requires_grad_(true);
    const Tensor l = proxy_anchor_loss(x, {0, 0, 1}, p);
    l.backward();
    CHECK(l.item() == doctest::Approx(proxy_anchor_reference(x, {0, 0, 1}, p, 32, 0.1)).epsilon(1e-5));
    CHECK(all_finite(x.grad()));
    CHECK(all_finite(p.grad()));
}

TEST_CASE("losses proxy anchor: gradcheck for embeddings and proxies") {
    // alpha 4: at alpha 32 the exponentials amplify float32 noise in the central differences
    const std::vector<int64_t> labels = {0, 1, 0, 2, 1, 0};   // proxy 3 has no positive
    check_gradients([&](const std::vector<Tensor>& t) { return proxy_anchor_loss(t[0], labels, t[1], {4.f, 0.1f}); },
                    {randn({6, 3}, 211), randn({4, 3}, 212)}, {1e-3, 1e-3, 1e-2, 1234});
}

TEST_CASE("losses proxy anchor: errors name the op and the values") {
    CHECK_THROWS_WITH_AS(proxy_anchor_loss(randn({4, 3}, 1), {0, 1, 0, 1}, randn({2, 5}, 2)),
                         doctest::Contains("proxy_anchor_loss: embeddings [4, 3] and proxies [2, 5] must be (N,D) and (C,D)"),
                         ct::ShapeError);
    CHECK_THROWS_WITH_AS(proxy_anchor_loss(randn({4, 3}, 1), {0, 1}, randn({2, 3}, 2)),
                         doctest::Contains("proxy_anchor_loss: 2 labels for 4 embeddings"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(proxy_anchor_loss(randn({3, 3}, 1), {0, 2, 1}, randn({2, 3}, 2)),
                         doctest::Contains("proxy_anchor_loss: label 2 of row 1 is not a class of the 2 proxies (0..1)"),
                         ct::ValueError);
    CHECK_THROWS_WITH_AS(proxy_anchor_loss(randn({3, 3}, 1), {0, -1, 1}, randn({2, 3}, 2)),
                         doctest::Contains("label -1 of row 1"), ct::ValueError);
    CHECK_THROWS_WITH_AS(proxy_anchor_loss(randn({2, 3}, 1), {0, 1}, randn({2, 3}, 2), {0.f, 0.1f}),
                         doctest::Contains("proxy_anchor_loss: alpha must be > 0, got 0"), ct::ValueError);
}
