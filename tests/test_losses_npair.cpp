// losses/npair: against a double loop over its formula on seeded inputs, label selection, gradcheck.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses npair: against a double loop, label selection, gradcheck") {
    for (const auto& [N_, D_] : {std::pair<int64_t, int64_t>{1, 2}, {5, 3}, {16, 8}}) {
        const auto& N = N_; const auto& D = D_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
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
