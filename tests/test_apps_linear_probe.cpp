// apps/lib/linear_probe: logistic regression on frozen features.
#include <doctest/doctest.h>

#include "apps/lib/linear_probe.h"
#include "core/ops.h"
#include "core/random.h"

using namespace ct;

TEST_CASE("apps linear_probe: separates linearly separable classes, and the loss falls") {
    // three classes around directions e0, e1, e2 in 5-D with noise 0.2: a linear classifier is exact
    Generator gen(4);
    auto make = [&gen](int64_t n, std::vector<int64_t>& y) {
        Tensor x = Tensor::randn({n, 5}, gen) * 0.2f;
        for (int64_t i = 0; i < n; ++i) {
            y.push_back(i % 3);
            x.at({i, i % 3}) += 1.f;
        }
        return x;
    };
    std::vector<int64_t> ytrain, ytest;
    Tensor xtrain = make(300, ytrain), xtest = make(90, ytest);
    LinearProbeOptions o;
    o.epochs = 20;
    o.batch_size = 64;
    o.lr = 0.05f;
    LinearProbeResult r = linear_probe(xtrain, ytrain, xtest, ytest, 3, o);
    CHECK(r.train_accuracy > 0.97);
    CHECK(r.test_accuracy > 0.95);
    REQUIRE(r.epoch_loss.size() == 20);
    CHECK(r.epoch_loss.front() < 1.0987);                  // below ln 3, the zero-weight start
    CHECK(r.epoch_loss.back() < 0.25 * r.epoch_loss.front());
    CHECK(r.weight.shape() == Shape{3, 5});
}

TEST_CASE("apps linear_probe: errors") {
    Tensor x = Tensor::zeros({4, 2});
    CHECK_THROWS_WITH_AS(linear_probe(x, {0, 1, 0, 1}, Tensor::zeros({2, 3}), {0, 1}, 2),
                         doctest::Contains("train features [4, 2] and test features [2, 3]"), ShapeError);
    CHECK_THROWS_WITH_AS(linear_probe(x, {0, 1, 0, 5}, x, {0, 1, 0, 1}, 2), doctest::Contains("label 5 outside [0, 2)"),
                         ShapeError);
}
