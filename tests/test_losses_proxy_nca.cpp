// losses/proxy_nca: ProxyNCA (pml's form) against a double loop and a hand case, gradients for
// embeddings and proxies, and errors.
#include "losses/proxy_nca.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// mean_i -log( e^{-s d_i,y_i} / sum_c e^{-s d_ic} ),  d_ic = |x^_i - p^_c|^2 on unit vectors
double proxy_nca_reference(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& proxies, double s) {
    const Mat X = unit_rows(rows_of(x)), P = unit_rows(rows_of(proxies));
    double total = 0;
    for (size_t i = 0; i < X.size(); ++i) {
        Row logits;
        for (const Row& p : P) logits.push_back(-s * sq_dist(X[i], p));
        total += log_sum_exp(logits) - logits[size_t(labels[i])];
    }
    return total / double(X.size());
}
}  // namespace

TEST_CASE("losses proxy nca: a case worked by hand") {
    // x = e1 of class 0, proxies e1 and -e1: distances 0 and 4, s = 1:
    // -log(e^0 / (e^0 + e^-4)) = log(1 + e^-4) = 0.018149
    const Tensor x = Tensor::from_vector({3, 0}, {1, 2});
    const Tensor p = Tensor::from_vector({1, 0, -2, 0}, {2, 2});
    CHECK(proxy_nca_loss(x, {0}, p).item() == doctest::Approx(0.018149).epsilon(1e-4));
    CHECK(proxy_nca_loss(x, {1}, p).item() == doctest::Approx(4.018149).epsilon(1e-4));
}

TEST_CASE("losses proxy nca: against a double loop over the formula") {
    for (const auto& [N_, D_, C_] : {std::tuple<int64_t, int64_t, int64_t>{1, 3, 2}, {10, 4, 3}, {40, 16, 7}}) {
        const auto& N = N_; const auto& D = D_; const auto& C = C_;
        CAPTURE(N);
        const Tensor x = randn({N, D}, 301), p = randn({C, D}, 302);
        const std::vector<int64_t> labels = random_labels(N, C, 303);
        for (float s : {1.f, 8.f, 32.f}) {
            CAPTURE(s);
            CHECK(proxy_nca_loss(x, labels, p, {s}).item() ==
                  doctest::Approx(proxy_nca_reference(x, labels, p, s)).epsilon(1e-4));
        }
    }
}

TEST_CASE("losses proxy nca: gradcheck for embeddings and proxies") {
    const std::vector<int64_t> labels = {0, 1, 0, 2, 1, 3};
    check_gradients([&](const std::vector<Tensor>& t) { return proxy_nca_loss(t[0], labels, t[1], {3.f}); },
                    {randn({6, 3}, 311), randn({4, 3}, 312)}, {1e-3, 1e-3, 1e-2, 1234});
}

TEST_CASE("losses proxy nca: errors name the op and the values") {
    CHECK_THROWS_WITH_AS(proxy_nca_loss(randn({4, 3}, 1), {0, 1, 0, 1}, randn({2, 4}, 2)),
                         doctest::Contains("proxy_nca_loss: embeddings [4, 3] and proxies [2, 4]"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(proxy_nca_loss(randn({2, 3}, 1), {0, 5}, randn({2, 3}, 2)),
                         doctest::Contains("proxy_nca_loss: label 5 of row 1 is not a class of the 2 proxies"),
                         ct::ValueError);
    CHECK_THROWS_WITH_AS(proxy_nca_loss(randn({2, 3}, 1), {0, 1}, randn({2, 3}, 2), {-1.f}),
                         doctest::Contains("proxy_nca_loss: softmax_scale must be > 0, got -1"), ct::ValueError);
}
