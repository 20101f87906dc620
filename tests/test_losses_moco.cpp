// losses/moco: InfoNCE against a queue, against a double loop over the formula, a hand value, the
// stopped keys and queue, gradcheck and shape errors.
#include "losses/moco.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses moco: against a double loop over the formula, and a hand value") {
    const Tensor q = randn({5, 4}, 801), k = randn({5, 4}, 802), queue = randn({7, 4}, 803);
    const Mat Q = rows_of(q), K = rows_of(k), QU = rows_of(queue);
    double expected = 0;
    for (size_t i = 0; i < Q.size(); ++i) {
        Row logits{cosine(Q[i], K[i]) / 0.2};
        for (const Row& n : QU) logits.push_back(cosine(Q[i], n) / 0.2);
        expected += (log_sum_exp(logits) - logits[0]) / double(Q.size());
    }
    CHECK(moco_loss(q, k, queue).item() == doctest::Approx(expected).epsilon(1e-5));
    // by hand: q = k = (1,0), one negative (0,1), tau 0.5: -log(e^2 / (e^2 + e^0)) = log(1 + e^-2) = 0.126928
    const Tensor e1 = Tensor::from_vector({1, 0}, {1, 2}), e2 = Tensor::from_vector({0, 1}, {1, 2});
    CHECK(moco_loss(e1, e1, e2, 0.5f).item() == doctest::Approx(0.126928).epsilon(1e-5));
}

TEST_CASE("losses moco: keys and queue are stopped; the queries' gradient passes gradcheck") {
    const Tensor q = randn({3, 4}, 811).requires_grad_(true), k = randn({3, 4}, 812).requires_grad_(true);
    const Tensor queue = randn({6, 4}, 813).requires_grad_(true);
    moco_loss(q, k, queue).backward();
    CHECK(q.grad().defined());
    CHECK_FALSE(k.grad().defined());
    CHECK_FALSE(queue.grad().defined());
    const Tensor keys = randn({3, 4}, 814), negatives = randn({6, 4}, 815);
    check_gradients([&](const std::vector<Tensor>& t) { return moco_loss(t[0], keys, negatives, 0.5f); }, {randn({3, 4}, 816)});
}

TEST_CASE("losses moco: bad shapes name the op and the shapes") {
    CHECK_THROWS_WITH_AS(moco_loss(randn({3, 4}, 1), randn({3, 4}, 2), randn({6, 5}, 3)),
                         doctest::Contains("moco_loss: q [3, 4], k [3, 4] and queue [6, 5] must be (N,D), (N,D) and (K,D)"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(moco_loss(randn({3, 4}, 1), randn({2, 4}, 2), randn({6, 4}, 3)),
                         doctest::Contains("moco_loss: q [3, 4], k [2, 4]"), ShapeError);
    CHECK_THROWS_WITH_AS(moco_loss(randn({3, 4}, 1), randn({3, 4}, 2), randn({6, 4}, 3), 0.f),
                         doctest::Contains("temperature must be > 0, got 0"), ValueError);
}
