// losses/multi_similarity: against a double loop (all pairs and mined pairs), gradcheck.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

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
