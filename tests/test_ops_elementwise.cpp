// Tests of the elementwise ops of core/ops.h (core/ops_elementwise.cpp): for each, a forward value
// worked by hand, a gradient check on seeded inputs (broadcasting and size-1 dims included) and
// the error text. Inputs of gradient checks keep a distance from kinks (relu at 0, abs at 0,
// clamp bounds, maximum ties) and from 0 for log, sqrt and division: the central difference uses
// a step of 0.01, which must not straddle a kink or leave the domain.
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
// Values in +-[0.2, 1.5]: never within a gradcheck step of 0.
Tensor away_from_zero(const Shape& s, Generator& g) {
    Tensor t = Tensor::uniform(s, 0.2f, 1.5f, g);
    for (int64_t i = 0; i < t.numel(); ++i) if (g.bernoulli(0.5f)) t.data()[i] = -t.data()[i];
    return t;
}
}  // namespace

TEST_CASE("add: broadcasting sum") {
    SUBCASE("forward: a row added to every row") {
        // [[1,2,3],[4,5,6]] + [10,20,30] = [[11,22,33],[14,25,36]]
        Tensor a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}), b = Tensor::from_vector({10, 20, 30});
        Tensor y = a + b;
        CHECK(y.shape() == Shape{2, 3});
        check_values(y, {11, 22, 33, 14, 25, 36});
        check_values(a + 0.5f, {1.5, 2.5, 3.5, 4.5, 5.5, 6.5});
        check_values(0.5f + a, {1.5, 2.5, 3.5, 4.5, 5.5, 6.5});
    }
    SUBCASE("forward: (2,1) + (1,3) is an outer sum") {
        // [[1],[2]] + [[10,20,30]] = [[11,21,31],[12,22,32]]
        check_values(add(Tensor::from_vector({1, 2}, {2, 1}), Tensor::from_vector({10, 20, 30}, {1, 3})),
                     {11, 21, 31, 12, 22, 32});
    }
    SUBCASE("gradients: the broadcast input receives the sum over the stretched dims") {
        // y = a + b, a:(2,3), b:(3); L = sum(y) -> db = [2, 2, 2] (two rows), da = ones
        Tensor a = Tensor::zeros({2, 3}).requires_grad_(), b = Tensor::zeros({3}).requires_grad_();
        sum(a + b).backward();
        check_values(b.grad(), {2, 2, 2});
        check_values(a.grad(), {1, 1, 1, 1, 1, 1});
        Generator g(10);
        check_grad([](const std::vector<Tensor>& in) { return add(in[0], in[1]); },
                   {Tensor::randn({2, 1, 3}, g), Tensor::randn({4, 1}, g)});
        check_grad([](const std::vector<Tensor>& in) { return add(in[0], in[1]); },
                   {Tensor::randn({3}, g), Tensor::randn({}, g)});
        check_grad([](const std::vector<Tensor>& in) { return add(in[0], 2.f); }, {Tensor::randn({3, 2}, g)});
    }
    SUBCASE("error: shapes that cannot broadcast") {
        CHECK_THROWS_WITH_AS(add(Tensor::ones({2, 3}), Tensor::ones({4})),
                             doctest::Contains("add: shapes [2, 3] and [4] cannot be broadcast (dimension 1: 3 vs 4)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(add(Tensor(), Tensor::ones({1})), doctest::Contains("add: got an undefined tensor"),
                             ShapeError);
    }
}

TEST_CASE("sub: broadcasting difference") {
    // [5, 7] - [[1], [2]] = [[4, 6], [3, 5]];  10 - [1, 2] = [9, 8];  [1, 2] - 1 = [0, 1]
    check_values(Tensor::from_vector({5, 7}) - Tensor::from_vector({1, 2}, {2, 1}), {4, 6, 3, 5});
    check_values(10.f - Tensor::from_vector({1, 2}), {9, 8});
    check_values(rsub(10.f, Tensor::from_vector({1, 2})), {9, 8});
    check_values(Tensor::from_vector({1, 2}) - 1.f, {0, 1});
    Generator g(11);
    check_grad([](const std::vector<Tensor>& in) { return sub(in[0], in[1]); },
               {Tensor::randn({3, 1}, g), Tensor::randn({1, 4}, g)});
    check_grad([](const std::vector<Tensor>& in) { return rsub(1.f, in[0]); }, {Tensor::randn({4}, g)});
    CHECK_THROWS_WITH_AS(sub(Tensor::ones({3}), Tensor::ones({2})), doctest::Contains("sub: shapes [3] and [2]"),
                         ShapeError);
}

TEST_CASE("mul: broadcasting product") {
    // [[1,2],[3,4]] * [10, 100] = [[10, 200], [30, 400]];  2 * [1.5] = [3]
    check_values(Tensor::from_vector({1, 2, 3, 4}, {2, 2}) * Tensor::from_vector({10, 100}), {10, 200, 30, 400});
    check_values(2.f * Tensor::from_vector({1.5f}), {3});
    // d/da (a*b) = b:  a = [2, 3], b = 5 (a scalar):  da = [5, 5], db = 2 + 3 = 5
    Tensor a = Tensor::from_vector({2, 3}).requires_grad_(), b = Tensor::scalar(5.f).requires_grad_();
    sum(a * b).backward();
    check_values(a.grad(), {5, 5});
    check_values(b.grad(), {5});
    Generator g(12);
    check_grad([](const std::vector<Tensor>& in) { return mul(in[0], in[1]); },
               {Tensor::randn({2, 3, 1}, g), Tensor::randn({3, 4}, g)});
    check_grad([](const std::vector<Tensor>& in) { return mul(in[0], -3.f); }, {Tensor::randn({5}, g)});
    CHECK_THROWS_WITH_AS(mul(Tensor::ones({2, 2}), Tensor::ones({3, 1})), doctest::Contains("mul: shapes [2, 2] and [3, 1]"),
                         ShapeError);
}

TEST_CASE("div: broadcasting quotient") {
    // [1, 6] / [[2], [4]] = [[0.5, 3], [0.25, 1.5]];  [3] / 2 = [1.5];  2 / [4] = [0.5]
    check_values(Tensor::from_vector({1, 6}) / Tensor::from_vector({2, 4}, {2, 1}), {0.5, 3, 0.25, 1.5});
    check_values(Tensor::from_vector({3}) / 2.f, {1.5});
    check_values(2.f / Tensor::from_vector({4}), {0.5});
    check_values(rdiv(2.f, Tensor::from_vector({4})), {0.5});
    // d/db (a/b) = -a/b^2: a = 3, b = 2 -> -0.75;  d/da = 1/b = 0.5
    Tensor a = Tensor::scalar(3).requires_grad_(), b = Tensor::scalar(2).requires_grad_();
    (a / b).backward();
    CHECK(a.grad().item() == 0.5f);
    CHECK(b.grad().item() == -0.75f);
    Generator g(13);   // denominators in +-[0.2, 1.5]
    check_grad([](const std::vector<Tensor>& in) { return div(in[0], in[1]); },
               {Tensor::randn({2, 3}, g), away_from_zero({2, 1}, g)});
    check_grad([](const std::vector<Tensor>& in) { return rdiv(1.5f, in[0]); }, {away_from_zero({4}, g)});
    CHECK_THROWS_WITH_AS(div(Tensor::ones({2}), Tensor::ones({3})), doctest::Contains("div: shapes [2] and [3]"),
                         ShapeError);
}

TEST_CASE("maximum and minimum: elementwise, ties share the gradient") {
    Tensor a = Tensor::from_vector({1, 5, 3}), b = Tensor::from_vector({4, 2, 3});
    check_values(maximum(a, b), {4, 5, 3});
    check_values(minimum(a, b), {1, 2, 3});
    SUBCASE("gradient goes to the winner; at a tie half to each side") {
        Tensor x = a.clone().requires_grad_(), y = b.clone().requires_grad_();
        sum(maximum(x, y)).backward();
        check_values(x.grad(), {0, 1, 0.5});
        check_values(y.grad(), {1, 0, 0.5});
    }
    SUBCASE("gradient check with broadcasting, values 0.15 apart at least") {
        // a on the grid 0.3 k + 0.15, b on 0.3 j: no pair is closer than 0.15 (ties would be kinks)
        Tensor ga = Tensor::from_vector({-0.75f, -0.15f, 0.45f, 1.05f, 0.15f, -0.45f}, {2, 3});
        Tensor gb = Tensor::from_vector({0.f, 0.3f, -0.6f});
        check_grad([](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }, {ga, gb});
        check_grad([](const std::vector<Tensor>& in) { return minimum(in[0], in[1]); }, {ga, gb});
    }
    CHECK_THROWS_WITH_AS(maximum(Tensor::ones({2}), Tensor::ones({3})), doctest::Contains("maximum: shapes [2] and [3]"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(minimum(Tensor::ones({2}), Tensor::ones({3})), doctest::Contains("minimum: shapes [2] and [3]"),
                         ShapeError);
}

TEST_CASE("unary ops: exp, log, sqrt, pow, square, neg, abs") {
    Generator g(14);
    SUBCASE("exp") {
        check_values(exp(Tensor::from_vector({0, 1, -1})), {1, 2.718281828, 0.367879441});
        check_grad([](const std::vector<Tensor>& in) { return exp(in[0]); }, {Tensor::randn({2, 3}, g)});
    }
    SUBCASE("log: inputs in [0.3, 2], away from the pole at 0") {
        check_values(log(Tensor::from_vector({1, 7.389056099f, 0.5f})), {0, 2, -0.693147181});
        check_grad([](const std::vector<Tensor>& in) { return log(in[0]); }, {Tensor::uniform({4}, 0.3f, 2.f, g)});
    }
    SUBCASE("sqrt: inputs in [0.3, 2], away from the infinite slope at 0") {
        check_values(sqrt(Tensor::from_vector({4, 2.25f, 0})), {2, 1.5, 0});
        check_grad([](const std::vector<Tensor>& in) { return sqrt(in[0]); }, {Tensor::uniform({4}, 0.3f, 2.f, g)});
    }
    SUBCASE("pow with a scalar exponent") {
        check_values(pow(Tensor::from_vector({2, -1}), 3.f), {8, -1});
        check_values(pow(Tensor::from_vector({9}), 0.5f), {3});
        check_values(pow(Tensor::from_vector({4}), -1.f), {0.25});
        // d/dx x^3 = 3x^2: x = 2 -> 12
        Tensor x = Tensor::scalar(2).requires_grad_();
        pow(x, 3.f).backward();
        CHECK(x.grad().item() == doctest::Approx(12));
        check_grad([](const std::vector<Tensor>& in) { return pow(in[0], 3.f); }, {Tensor::randn({3}, g)});
        check_grad([](const std::vector<Tensor>& in) { return pow(in[0], 1.5f); },
                   {Tensor::uniform({3}, 0.3f, 2.f, g)});   // a fractional power needs x > 0
    }
    SUBCASE("square and neg") {
        check_values(square(Tensor::from_vector({-3, 0.5f})), {9, 0.25});
        check_values(-Tensor::from_vector({1, -2}), {-1, 2});
        check_values(neg(Tensor::from_vector({0.5f})), {-0.5});
        check_grad([](const std::vector<Tensor>& in) { return square(in[0]); }, {Tensor::randn({4}, g)});
        check_grad([](const std::vector<Tensor>& in) { return neg(in[0]); }, {Tensor::randn({4}, g)});
    }
    SUBCASE("abs: gradient sign(x), 0 at 0; checked away from 0") {
        check_values(abs(Tensor::from_vector({-2, 3, 0})), {2, 3, 0});
        Tensor x = Tensor::from_vector({-2, 3, 0}).requires_grad_();
        sum(abs(x)).backward();
        check_values(x.grad(), {-1, 1, 0});
        check_grad([](const std::vector<Tensor>& in) { return abs(in[0]); }, {away_from_zero({5}, g)});
    }
    SUBCASE("an undefined input names the op") {
        CHECK_THROWS_WITH_AS(exp(Tensor()), doctest::Contains("exp: got an undefined tensor"), ShapeError);
        CHECK_THROWS_WITH_AS(log(Tensor()), doctest::Contains("log: got an undefined tensor"), ShapeError);
    }
}

TEST_CASE("activations: relu, leaky_relu, sigmoid, log_sigmoid, tanh, softplus") {
    Generator g(15);
    SUBCASE("relu: gradient 1[x > 0]; checked away from the kink at 0") {
        check_values(relu(Tensor::from_vector({-1, 0, 2})), {0, 0, 2});
        Tensor x = Tensor::from_vector({-1, 0, 2}).requires_grad_();
        sum(relu(x)).backward();
        check_values(x.grad(), {0, 0, 1});   // 0 at the kink, as PyTorch
        check_grad([](const std::vector<Tensor>& in) { return relu(in[0]); }, {away_from_zero({2, 4}, g)});
    }
    SUBCASE("leaky_relu") {
        check_values(leaky_relu(Tensor::from_vector({-2, 3}), 0.1f), {-0.2, 3});
        check_values(leaky_relu(Tensor::from_vector({-100})), {-1});   // default slope 0.01
        check_grad([](const std::vector<Tensor>& in) { return leaky_relu(in[0], 0.2f); }, {away_from_zero({6}, g)});
    }
    SUBCASE("sigmoid: 1 / (1 + e^-x)") {
        // sigmoid(ln 3) = 1 / (1 + 1/3) = 0.75
        check_values(sigmoid(Tensor::from_vector({0, 1.098612289f})), {0.5, 0.75});
        check_grad([](const std::vector<Tensor>& in) { return sigmoid(in[0]); }, {Tensor::randn({5}, g)});
    }
    SUBCASE("log_sigmoid: stable for large |x|") {
        // log sigmoid(0) = -ln 2;  log sigmoid(-100) = -100 - log(1 + e^-100) = -100;  (100) ~ -e^-100 = 0
        check_values(log_sigmoid(Tensor::from_vector({0, -100, 100})), {-0.693147181, -100, 0});
        check_grad([](const std::vector<Tensor>& in) { return log_sigmoid(in[0]); }, {Tensor::randn({5}, g) * 3.f});
    }
    SUBCASE("tanh") {
        // tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
        check_values(tanh(Tensor::from_vector({0, 0.693147181f})), {0, 0.6});
        check_grad([](const std::vector<Tensor>& in) { return tanh(in[0]); }, {Tensor::randn({5}, g)});
    }
    SUBCASE("softplus: log(1 + e^x), stable for large |x|") {
        // softplus(0) = ln 2; softplus(ln 3) = ln 4; softplus(100) = 100; softplus(-100) = e^-100 ~ 3.72e-44
        Tensor y = softplus(Tensor::from_vector({0, 1.098612289f, 100, -100}));
        check_values(y, {0.693147181, 1.386294361, 100, 0});
        CHECK(std::isfinite(y.data()[2]));
        check_grad([](const std::vector<Tensor>& in) { return softplus(in[0]); }, {Tensor::randn({5}, g) * 3.f});
    }
}

TEST_CASE("clamp, clamp_min, clamp_max") {
    Generator g(16);
    check_values(clamp(Tensor::from_vector({-3, 0.5f, 5}), -1.f, 2.f), {-1, 0.5, 2});
    check_values(clamp_min(Tensor::from_vector({-3, 0.5f}), 0.f), {0, 0.5});
    check_values(clamp_max(Tensor::from_vector({-3, 0.5f}), 0.f), {-3, 0});
    SUBCASE("gradient 1 inside the bounds, 0 outside") {
        Tensor x = Tensor::from_vector({-3, 0.5f, 5}).requires_grad_();
        sum(clamp(x, -1.f, 2.f)).backward();
        check_values(x.grad(), {0, 1, 0});
    }
    SUBCASE("gradient checks with inputs at least 0.2 from the bounds -1 and 1") {
        Tensor x = Tensor::from_vector({-1.8f, -0.7f, 0.f, 0.6f, 1.3f, 2.f});
        check_grad([](const std::vector<Tensor>& in) { return clamp(in[0], -1.f, 1.f); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return clamp_min(in[0], -1.f); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return clamp_max(in[0], 1.f); }, {x});
    }
    CHECK_THROWS_WITH_AS(clamp(Tensor::ones({1}), 2.f, 1.f), doctest::Contains("clamp: min 2 is greater than max 1"),
                         ShapeError);
}

TEST_CASE("where and masked_fill") {
    Tensor mask = Tensor::from_vector({1, 0, 1});
    Tensor a = Tensor::from_vector({1, 2, 3}), b = Tensor::from_vector({10, 20, 30});
    SUBCASE("forward: picks a where the mask is set, b elsewhere; broadcasts all three") {
        check_values(where(mask, a, b), {1, 20, 3});
        // mask (2,1) x a (3) x b scalar -> (2,3)
        check_values(where(Tensor::from_vector({0, 1}, {2, 1}), a, Tensor::scalar(-1)), {-1, -1, -1, 1, 2, 3});
        check_values(masked_fill(a, mask, -5.f), {-5, 2, -5});
    }
    SUBCASE("gradients follow the mask; the unselected side gets exactly 0, even if it is inf") {
        Tensor x = a.clone().requires_grad_();
        Tensor inf = Tensor::full({3}, INFINITY).requires_grad_();
        sum(where(mask, x, inf)).backward();
        check_values(x.grad(), {1, 0, 1});
        check_values(inf.grad(), {0, 1, 0});
        CHECK(!std::isnan(inf.grad().data()[0]));
        Generator g(17);
        Tensor m = Tensor::from_vector({1, 0, 0, 1, 1, 0}, {2, 3});
        check_grad([m](const std::vector<Tensor>& in) { return where(m, in[0], in[1]); },
                   {Tensor::randn({2, 3}, g), Tensor::randn({3}, g)});
        check_grad([m](const std::vector<Tensor>& in) { return masked_fill(in[0], m, 2.f); }, {Tensor::randn({2, 3}, g)});
    }
    SUBCASE("error: the mask must broadcast") {
        CHECK_THROWS_WITH_AS(where(Tensor::ones({2}), a, b), doctest::Contains("where: shapes [2] and [3]"), ShapeError);
        CHECK_THROWS_WITH_AS(masked_fill(a, Tensor::ones({4}), 0.f), doctest::Contains("where: shapes [4] and [3]"),
                             ShapeError);
    }
}

TEST_CASE("comparisons: 0/1 masks, not differentiable") {
    Tensor a = Tensor::from_vector({1, 2, 3}), b = Tensor::from_vector({2, 2, 2});
    check_values(gt(a, b), {0, 0, 1});
    check_values(lt(a, b), {1, 0, 0});
    check_values(ge(a, b), {0, 1, 1});
    check_values(le(a, b), {1, 1, 0});
    check_values(eq(a, b), {0, 1, 0});
    check_values(ne(a, b), {1, 0, 1});
    check_values(gt(a, 1.5f), {0, 1, 1});
    check_values(lt(a, 1.5f), {1, 0, 0});
    check_values(logical_not(Tensor::from_vector({0, 1, 0.5f})), {1, 0, 0});
    check_values(gt(Tensor::from_vector({1, 3}, {2, 1}), b), {0, 0, 0, 1, 1, 1});   // broadcasts (2,1) x (3)
    Tensor x = a.clone().requires_grad_();
    CHECK(!gt(x, b).requires_grad());   // a mask carries no gradient
    CHECK(gt(x, b).grad_fn() == nullptr);
    CHECK_THROWS_WITH_AS(eq(Tensor::ones({2}), Tensor::ones({3})), doctest::Contains("eq: shapes [2] and [3]"),
                         ShapeError);
}

TEST_CASE("elementwise: large tensors take the threaded path and agree with the serial formula") {
    // 300000 elements (above kParallelGrain): a broadcast add and a unary op, checked element by element
    Generator g(18);
    Tensor a = Tensor::randn({1000, 300}, g), b = Tensor::randn({300}, g);
    Tensor y = sigmoid(a + b);
    int64_t wrong = 0;
    for (int64_t i = 0; i < 1000; ++i)
        for (int64_t j = 0; j < 300; ++j) {
            const double v = double(a.data()[i * 300 + j]) + double(b.data()[j]);
            if (std::fabs(1.0 / (1.0 + std::exp(-v)) - y.data()[i * 300 + j]) > 1e-6) wrong++;
        }
    CHECK(wrong == 0);
    // gradient of the broadcast input: db_j = sum_i 1 for L = sum(a + b) -> 1000
    Tensor bb = b.clone().requires_grad_();
    sum(a + bb).backward();
    CHECK(bb.grad().at({0}) == 1000.f);
    CHECK(bb.grad().at({299}) == 1000.f);
}

TEST_CASE("gelu: x times the standard normal CDF") {
    // Phi(1) = 0.8413447461, Phi(2) = 0.9772498681 (tables of the normal CDF); gelu(-x) = gelu(x) - x
    const Tensor y = gelu(Tensor::from_vector({0, 1, -1, 2, -2}));
    const double want[5] = {0, 0.8413447461, 0.8413447461 - 1, 2 * 0.9772498681, 2 * 0.9772498681 - 2};
    for (int i = 0; i < 5; ++i) CHECK(y.data()[i] == doctest::Approx(want[i]).epsilon(1e-6));
    // slope Phi(x) + x phi(x): at 0 it is 1/2, at 1 it is 0.8413447 + 0.2419707 = 1.0833155
    const Tensor x = Tensor::from_vector({0, 1}).requires_grad_();
    sum(gelu(x)).backward();
    CHECK(x.grad().data()[0] == doctest::Approx(0.5));
    CHECK(x.grad().data()[1] == doctest::Approx(1.0833155).epsilon(1e-6));
}
