// Tests of the reductions of core/ops.h (core/ops_reduce.cpp): sum, mean, max/min with indices,
// argmax, logsumexp, var, norm, reduce_losses. Hand values, gradient checks over every axis (keepdim or not,
// negative dims, size-1 dims), the error texts, and the numerical care (double sums, max shift).
#include <doctest/doctest.h>

#include <cmath>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "tests/test_helpers.h"
#include "core/random.h"

using namespace ct;
using ct::test::check_grad;
using ct::test::check_values;

namespace {
// x = [[1, 2, 3], [4, 5, 6]]
Tensor m23() { return Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}); }
}  // namespace

TEST_CASE("sum: over everything or one dimension") {
    SUBCASE("forward by hand") {
        CHECK(sum(m23()).item() == 21.f);                 // 1+2+3+4+5+6
        CHECK(sum(m23()).shape() == Shape{});
        check_values(sum(m23(), 0), {5, 7, 9});            // column sums
        check_values(sum(m23(), 1), {6, 15});              // row sums
        check_values(sum(m23(), -1), {6, 15});             // -1 is the last dimension
        CHECK(sum(m23(), 1, true).shape() == Shape{2, 1});
        CHECK(sum(m23(), 0, false).shape() == Shape{3});
    }
    SUBCASE("accumulates in double: a million 0.1f add up to 100000, not ~100958") {
        // float running sums drift once the total dwarfs the terms; 1e6 * 0.1f = 100000.0015 in double
        CHECK(sum(Tensor::full({1000000}, 0.1f)).item() == doctest::Approx(100000.0).epsilon(1e-7));
        CHECK(sum(Tensor::full({1, 1000000}, 0.1f), 1).item() == doctest::Approx(100000.0).epsilon(1e-7));
    }
    SUBCASE("gradients over each axis of a 3-d tensor, with and without keepdim") {
        Generator g(20);
        Tensor x = Tensor::randn({2, 3, 4}, g);
        check_grad([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x});
        for (int64_t d : {0, 1, 2, -1})
            for (bool keep : {false, true}) {
                INFO("dim " << d << " keepdim " << keep);
                check_grad([d, keep](const std::vector<Tensor>& in) { return sum(in[0], d, keep); }, {x});
            }
        check_grad([](const std::vector<Tensor>& in) { return sum(in[0], 1); }, {Tensor::randn({3, 1, 2}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(sum(m23(), 2), doctest::Contains("sum: dimension 2 out of range for a 2-d tensor"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(sum(m23(), -3), doctest::Contains("sum: dimension -3 out of range"), ShapeError);
        CHECK_THROWS_WITH_AS(sum(Tensor()), doctest::Contains("sum: got an undefined tensor"), ShapeError);
    }
}

TEST_CASE("mean: sum divided by the count") {
    CHECK(mean(m23()).item() == doctest::Approx(3.5));   // 21 / 6
    check_values(mean(m23(), 0), {2.5, 3.5, 4.5});
    check_values(mean(m23(), 1, true), {2, 5});
    CHECK(mean(m23(), 1, true).shape() == Shape{2, 1});
    Generator g(21);
    check_grad([](const std::vector<Tensor>& in) { return mean(in[0]); }, {Tensor::randn({3, 4}, g)});
    check_grad([](const std::vector<Tensor>& in) { return mean(in[0], 0, true); }, {Tensor::randn({3, 4}, g)});
    CHECK_THROWS_WITH_AS(mean(Tensor::zeros({0})), doctest::Contains("mean: empty tensor [0]"), ShapeError);
    CHECK_THROWS_WITH_AS(mean(Tensor::zeros({2, 0}), 1), doctest::Contains("mean: dimension 1 of [2, 0] is empty"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(mean(m23(), 5), doctest::Contains("mean: dimension 5 out of range"), ShapeError);
}

TEST_CASE("max and min: values with the index of the winner") {
    // x = [[1, 7, 3], [9, 2, 9]]: row maxima 7 (at 1) and 9 (at 0: ties pick the first)
    Tensor x = Tensor::from_vector({1, 7, 3, 9, 2, 9}, {2, 3});
    SUBCASE("forward by hand") {
        ValuesIndices r = max(x, 1);
        check_values(r.values, {7, 9});
        CHECK(r.indices == std::vector<int64_t>{1, 0});
        ValuesIndices c = min(x, 0, true);
        CHECK(c.values.shape() == Shape{1, 3});
        check_values(c.values, {1, 2, 3});
        CHECK(c.indices == std::vector<int64_t>{0, 1, 0});
        CHECK(max(x).item() == 9.f);
        CHECK(min(x).item() == 1.f);
        CHECK(argmax(x, 1) == std::vector<int64_t>{1, 0});
        CHECK(argmax(x, 0) == std::vector<int64_t>{1, 0, 1});
    }
    SUBCASE("the gradient goes to the winner only (the first one at a tie)") {
        Tensor xg = x.clone().requires_grad_();
        sum(max(xg, 1).values).backward();
        check_values(xg.grad(), {0, 1, 0, 1, 0, 0});
        Tensor xa = x.clone().requires_grad_();
        max(xa).backward();
        check_values(xa.grad(), {0, 0, 0, 1, 0, 0});
    }
    SUBCASE("a NaN wins, as in PyTorch (it propagates instead of hiding)") {
        CHECK(std::isnan(max(Tensor::from_vector({1, NAN, 3}), 0).values.item()));
        CHECK(std::isnan(min(Tensor::from_vector({1, NAN, 3}), 0).values.item()));
    }
    SUBCASE("gradient checks on distinct values (ties would be kinks)") {
        // a permutation of multiples of 0.1: every pair is 0.1 apart, more than the step of 0.01
        Generator g(22);
        std::vector<float> v(24);
        for (int i = 0; i < 24; ++i) v[size_t(i)] = 0.1f * float(i) - 1.f;
        for (int i = 23; i > 0; --i) std::swap(v[size_t(i)], v[size_t(g.randint(i + 1))]);
        Tensor xd = Tensor::from_vector(v, {2, 3, 4});
        for (int64_t d : {0, 1, 2})
            for (bool keep : {false, true}) {
                INFO("dim " << d << " keepdim " << keep);
                check_grad([d, keep](const std::vector<Tensor>& in) { return max(in[0], d, keep).values; }, {xd});
                check_grad([d, keep](const std::vector<Tensor>& in) { return min(in[0], d, keep).values; }, {xd});
            }
        check_grad([](const std::vector<Tensor>& in) { return max(in[0]); }, {xd});
        check_grad([](const std::vector<Tensor>& in) { return min(in[0]); }, {xd});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(max(x, 2), doctest::Contains("max: dimension 2 out of range for a 2-d tensor"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(min(Tensor::zeros({2, 0}), 1), doctest::Contains("min: dimension 1 of [2, 0] is empty"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(argmax(x, -3), doctest::Contains("max: dimension -3 out of range"), ShapeError);
    }
}

TEST_CASE("logsumexp: stable log of a sum of exponentials") {
    SUBCASE("forward by hand") {
        // log(e^0 + e^0) = ln 2;  log(e^1 + e^2 + e^3) = 3 + log(e^-2 + e^-1 + 1) = 3.40760596
        check_values(logsumexp(Tensor::from_vector({0, 0, 1, 2}, {2, 2}), 1), {0.693147181, 2.31326169});
        check_values(logsumexp(Tensor::from_vector({1, 2, 3}), 0), {3.40760596});
    }
    SUBCASE("no overflow at large values, no underflow at very negative ones (max shift)") {
        // 1000 + ln 2 and -1000 + ln 2: exp(1000) alone would be inf
        check_values(logsumexp(Tensor::from_vector({1000, 1000, -1000, -1000}, {2, 2}), 1),
                     {1000.693147, -999.306853});
    }
    SUBCASE("a fully masked row (all -inf) gives -inf and a zero gradient, not NaN") {
        Tensor x = Tensor::from_vector({-INFINITY, -INFINITY, 0, 0}, {2, 2}).requires_grad_();
        Tensor y = logsumexp(x, 1);
        CHECK(std::isinf(y.data()[0]));
        CHECK(y.data()[0] < 0);
        sum(y).backward();
        check_values(x.grad(), {0, 0, 0.5, 0.5});
    }
    SUBCASE("gradient softmax(x), checked on each axis and with keepdim") {
        Generator g(23);
        Tensor x = Tensor::randn({3, 4}, g) * 2.f;
        check_grad([](const std::vector<Tensor>& in) { return logsumexp(in[0], 1); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return logsumexp(in[0], 0, true); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return logsumexp(in[0], -1); }, {Tensor::randn({2, 1}, g)});
    }
    CHECK_THROWS_WITH_AS(logsumexp(m23(), 3), doctest::Contains("logsumexp: dimension 3 out of range"), ShapeError);
    CHECK_THROWS_WITH_AS(logsumexp(Tensor::zeros({0}), 0), doctest::Contains("logsumexp: dimension 0 of [0] is empty"),
                         ShapeError);
}

TEST_CASE("var: unbiased (Bessel) by default, as torch.var") {
    SUBCASE("forward by hand") {
        // [1, 2, 3, 4]: mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5 -> 5/3 unbiased, 5/4 biased
        Tensor x = Tensor::from_vector({1, 2, 3, 4});
        check_values(var(x, 0), {5.0 / 3.0});
        check_values(var(x, 0, false), {1.25});
        // rows of [[1,2,3],[4,5,6]] have variance 1 each; columns of it (1,4): 4.5
        check_values(var(m23(), 1), {1, 1});
        check_values(var(m23(), 0), {4.5, 4.5, 4.5});
        CHECK(var(m23(), 1, true, true).shape() == Shape{2, 1});
    }
    SUBCASE("gradient: 2 (x - mean) / (n - 1)") {
        Generator g(24);
        check_grad([](const std::vector<Tensor>& in) { return var(in[0], 1); }, {Tensor::randn({3, 5}, g)});
        check_grad([](const std::vector<Tensor>& in) { return var(in[0], 0, false, true); }, {Tensor::randn({4, 2}, g)});
    }
    SUBCASE("errors: too few elements") {
        CHECK_THROWS_WITH_AS(var(Tensor::ones({1, 3}), 0),
                             doctest::Contains("var: dimension 0 of [1, 3] has 1 element(s), too few for the unbiased variance"),
                             ShapeError);
        CHECK(var(Tensor::ones({1, 3}), 0, false).data()[0] == 0.f);   // biased: fine with one
        CHECK_THROWS_WITH_AS(var(m23(), 2), doctest::Contains("var: dimension 2 out of range"), ShapeError);
    }
}

TEST_CASE("norm: L2 along a dimension") {
    SUBCASE("forward by hand") {
        // |(3, 4)| = 5, |(0, 0)| = 0
        check_values(norm(Tensor::from_vector({3, 4, 0, 0}, {2, 2}), 1), {5, 0});
        check_values(norm(Tensor::from_vector({3, 4, 0, 0}, {2, 2}), 0), {3, 4});
        CHECK(norm(Tensor::ones({2, 3}), 1, true).shape() == Shape{2, 1});
    }
    SUBCASE("gradient x / |x|, and 0 (not NaN) at the zero vector") {
        Tensor x = Tensor::from_vector({3, 4, 0, 0}, {2, 2}).requires_grad_();
        sum(norm(x, 1)).backward();
        check_values(x.grad(), {0.6, 0.8, 0, 0});
        Generator g(25);
        check_grad([](const std::vector<Tensor>& in) { return norm(in[0], 1); }, {Tensor::randn({3, 4}, g)});
        check_grad([](const std::vector<Tensor>& in) { return norm(in[0], 0, true); }, {Tensor::randn({3, 4}, g)});
    }
    CHECK_THROWS_WITH_AS(norm(m23(), 2), doctest::Contains("norm: dimension 2 out of range"), ShapeError);
}

TEST_CASE("reduce_losses: mean, mean over non-zero, sum, none on a hand-made loss vector") {
    const Tensor l = Tensor::from_vector({0, 2, 0, 4});
    CHECK(reduce_losses(l, Reduction::Mean).item() == doctest::Approx(1.5));
    CHECK(reduce_losses(l, Reduction::MeanNonZero).item() == doctest::Approx(3.0));   // (2+4)/2
    CHECK(reduce_losses(l, Reduction::Sum).item() == doctest::Approx(6.0));
    CHECK(reduce_losses(l, Reduction::None).to_vector() == l.to_vector());
    CHECK(reduce_losses(Tensor::zeros({3}), Reduction::MeanNonZero).item() == 0.f);   // none non-zero: 0
    CHECK_THROWS_WITH_AS(reduce_losses(Tensor::zeros({2, 2}), Reduction::Mean),
                         doctest::Contains("reduce_losses: losses must be a vector (T), got [2, 2]"), ct::ShapeError);
    // cross_entropy reduces through it: -log(1/2) on each of two rows of equal logits
    const Tensor logits = Tensor::zeros({2, 2});
    CHECK(cross_entropy(logits, {0, 1}, Reduction::Sum).item() == doctest::Approx(2 * std::log(2.0)));
    CHECK(cross_entropy(logits, {0, 1}, Reduction::MeanNonZero).item() == doctest::Approx(std::log(2.0)));
}
