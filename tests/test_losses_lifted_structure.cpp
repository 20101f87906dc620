// losses/lifted_structure: against a double loop over its formula, gradcheck, edge cases.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses lifted_structure: against a double loop, gradcheck, edge cases") {
    for (const auto& [N_, D_, C_] : {std::tuple<int64_t, int64_t, int64_t>{4, 2, 2}, {18, 4, 4}}) {
        const auto& N = N_; const auto& D = D_; const auto& C = C_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
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
