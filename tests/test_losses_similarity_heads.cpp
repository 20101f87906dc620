// losses/similarity_heads: regression (MSE) and classification (BCE) similarity against double loops.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

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
