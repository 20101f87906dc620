// Tests of core/ops_batch_norm.cpp and core/ops_norm.cpp: batch_norm, batch_norm_relu and
// batch_norm_relu_max_pool2x2 (their fused backward against the same formula composed from
// core ops, values and gradients; running statistics; eval mode), dropout, softmax, log_softmax,
// cross_entropy and normalize.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "tests/test_helpers.h"
#include "core/random.h"

using namespace ct;
using ct::test::check_grad;

namespace {
void check_values(const Tensor& t, const std::vector<double>& expected, double eps = 1e-5) {
    REQUIRE(t.numel() == int64_t(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(t.data()[i] == doctest::Approx(expected[i]).epsilon(eps).scale(1.0));
    }
}
double max_abs_diff(const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::fabs(double(a.data()[i]) - double(b.data()[i])));
    return worst;
}

// batch_norm written as its formula with core ops: x seen as (N, C, S); statistics over N and S.
Tensor composed_batch_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
    const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
    Tensor x3 = reshape(x, {N, C, S});
    Tensor m = mean(mean(x3, 2, true), 0, true);                   // (1, C, 1)
    Tensor v = mean(mean(square(x3 - m), 2, true), 0, true);       // biased variance
    Tensor y = (x3 - m) / sqrt(v + eps) * reshape(w, {1, C, 1}) + reshape(b, {1, C, 1});
    return reshape(y, x.shape());
}

// Runs `fused` and `reference` (the same formula composed from core ops) on leaf copies of x, w
// and b; checks their values and, for one random dy, the three gradients. Returns fused's output.
using Affine = std::function<Tensor(const Tensor& x, const Tensor& w, const Tensor& b)>;
Tensor check_against_composed(const Affine& fused, const Affine& reference, const Tensor& x, const Tensor& w,
                              const Tensor& b, Generator& g) {
    Tensor xf = x.clone().requires_grad_(), wf = w.clone().requires_grad_(), bf = b.clone().requires_grad_();
    Tensor xc = x.clone().requires_grad_(), wc = w.clone().requires_grad_(), bc = b.clone().requires_grad_();
    Tensor yf = fused(xf, wf, bf), yc = reference(xc, wc, bc);
    REQUIRE(yf.shape() == yc.shape());
    CHECK(max_abs_diff(yf, yc) < 1e-5);
    Tensor dy = Tensor::randn(yf.shape(), g);
    yf.backward(dy);
    yc.backward(dy);
    CHECK(max_abs_diff(xf.grad(), xc.grad()) < 1e-4);
    CHECK(max_abs_diff(wf.grad(), wc.grad()) < 1e-4);
    CHECK(max_abs_diff(bf.grad(), bc.grad()) < 1e-4);
    return yf.detach();
}
}  // namespace

TEST_CASE("batch_norm: forward by hand and running statistics") {
    // one channel, x = [1, 2, 3, 4]: mean 2.5, biased variance (2.25+0.25+0.25+2.25)/4 = 1.25
    // y = (x - 2.5) / sqrt(1.25) = [-1.341641, -0.447214, 0.447214, 1.341641]
    Tensor x = Tensor::from_vector({1, 2, 3, 4}, {4, 1});
    Tensor rm = Tensor::zeros({1}), rv = Tensor::ones({1});
    SUBCASE("training: batch statistics, and the running stats move by momentum") {
        Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.1f, 0.f);
        check_values(y, {-1.341641, -0.447214, 0.447214, 1.341641});
        // running_mean = 0.9 * 0 + 0.1 * 2.5 = 0.25; running_var = 0.9 * 1 + 0.1 * (5 / 3) (unbiased) = 1.0666667
        check_values(rm, {0.25});
        check_values(rv, {1.0666667});
    }
    SUBCASE("weight and bias scale and shift: w = 2, b = 1") {
        Tensor y = batch_norm(x, Tensor::full({1}, 2.f), Tensor::ones({1}), Tensor(), Tensor(), true, 0.1f, 0.f);
        check_values(y, {-1.683282, 0.105573, 1.894427, 3.683282});
    }
    SUBCASE("eval: the running statistics, no update") {
        // rm = 2, rv = 4: y = (x - 2) / 2 = [-0.5, 0, 0.5, 1]
        Tensor m2 = Tensor::full({1}, 2.f), v4 = Tensor::full({1}, 4.f);
        check_values(batch_norm(x, Tensor(), Tensor(), m2, v4, false, 0.1f, 0.f), {-0.5, 0, 0.5, 1});
        CHECK(m2.item() == 2.f);
        CHECK(v4.item() == 4.f);
    }
}

TEST_CASE("batch_norm: the fused backward against the composed formula") {
    Generator g(90);
    const float eps = 1e-5f;
    for (const Shape& shape : {Shape{6, 3}, Shape{4, 3, 5, 2}, Shape{2, 2, 1, 1}}) {
        INFO("x " << shape);
        Tensor x = (Tensor::randn(shape, g) * 2.f + 0.5f);
        Tensor w = Tensor::randn({shape[1]}, g), b = Tensor::randn({shape[1]}, g);
        check_against_composed(
            [&](const Tensor& x, const Tensor& w, const Tensor& b) { return batch_norm(x, w, b, Tensor(), Tensor(), true, 0.1f, eps); },
            [&](const Tensor& x, const Tensor& w, const Tensor& b) { return composed_batch_norm(x, w, b, eps); }, x, w, b, g);
    }
}

TEST_CASE("batch_norm_relu: relu of the composed formula, values and gradients, with masked entries") {
    Generator g(92);
    const float eps = 1e-5f;
    for (bool training : {true, false}) {
        for (const Shape& shape : {Shape{6, 3}, Shape{4, 3, 5, 2}}) {
            INFO("x " << shape << (training ? " training" : " eval"));
            Tensor x = Tensor::randn(shape, g) * 2.f + 0.5f;
            Tensor w = Tensor::randn({shape[1]}, g), b = Tensor::randn({shape[1]}, g);
            Tensor rm = Tensor::randn({shape[1]}, g), rv = Tensor::uniform({shape[1]}, 0.5f, 2.f, g);
            const Shape per_channel = shape.size() == 4 ? Shape{1, shape[1], 1, 1} : Shape{1, shape[1]};
            auto channel = [&](const Tensor& t) { return reshape(t, per_channel); };
            const Tensor yf = check_against_composed(
                [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                    return training ? batch_norm_relu(x, w, b, Tensor(), Tensor(), true, 0.1f, eps)
                                    : batch_norm_relu(x, w, b, rm, rv, false, 0.1f, eps);
                },
                [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                    return relu(training ? composed_batch_norm(x, w, b, eps)
                                         : (x - channel(rm)) / sqrt(channel(rv) + eps) * channel(w) + channel(b));
                },
                x, w, b, g);
            int64_t masked = 0;
            for (float v : yf.to_vector()) masked += v == 0.f;
            CHECK(masked > 0);   // the mask is exercised
            CHECK(masked < yf.numel());
        }
    }
}

TEST_CASE("batch_norm_relu_max_pool2x2: max_pool2d(relu(batch_norm)), values, gradients, ties and odd sizes") {
    Generator g(93);
    const float eps = 1e-5f;
    for (bool training : {true, false}) {
        for (const Shape& shape : {Shape{3, 2, 4, 6}, Shape{2, 3, 5, 7}}) {
            INFO("x " << shape << (training ? " training" : " eval"));
            // values on a coarse grid: equal maxima inside a window are common, and the first must win
            Tensor x = Tensor::empty(shape);
            for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = float(int(g.uniform() * 7.f) - 3);
            Tensor w = Tensor::uniform({shape[1]}, 0.5f, 1.5f, g), b = Tensor::randn({shape[1]}, g) * 0.3f;
            Tensor rm = Tensor::randn({shape[1]}, g), rv = Tensor::uniform({shape[1]}, 0.5f, 2.f, g);
            const Shape per_channel{1, shape[1], 1, 1};
            auto channel = [&](const Tensor& t) { return reshape(t, per_channel); };
            check_against_composed(
                [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                    return training ? batch_norm_relu_max_pool2x2(x, w, b, Tensor(), Tensor(), true, 0.1f, eps)
                                    : batch_norm_relu_max_pool2x2(x, w, b, rm, rv, false, 0.1f, eps);
                },
                [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                    return max_pool2d(relu(training ? composed_batch_norm(x, w, b, eps)
                                                    : (x - channel(rm)) / sqrt(channel(rv) + eps) * channel(w) + channel(b)),
                                      2);
                },
                x, w, b, g);
        }
    }
    CHECK_THROWS_WITH_AS(batch_norm_relu_max_pool2x2(Tensor::ones({2, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                         doctest::Contains("batch_norm_relu_max_pool2x2: x must be (N,C,H,W) with H, W >= 2, got [2, 3]"),
                         ShapeError);
}

TEST_CASE("batch_norm: gradient checks in training and eval") {
    Generator g(91);
    Tensor x = Tensor::randn({4, 2, 3, 3}, g), w = Tensor::randn({2}, g), b = Tensor::randn({2}, g);
    // gradcheck calls the op many times: running statistics are left undefined so nothing drifts
    check_grad([](const std::vector<Tensor>& in) {
        return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true);
    }, {x, w, b});
    check_grad([](const std::vector<Tensor>& in) {
        return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
    }, {Tensor::randn({5, 3}, g)});
    Tensor rm = Tensor::randn({2}, g), rv = Tensor::uniform({2}, 0.5f, 2.f, g);
    check_grad([rm, rv](const std::vector<Tensor>& in) {
        return batch_norm(in[0], in[1], in[2], rm, rv, false);   // eval: an affine map per channel
    }, {x, w, b});
}

TEST_CASE("batch_norm: errors") {
    Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::ones({2, 3, 4}), Tensor(), Tensor(), rm, rv, true),
                         doctest::Contains("batch_norm: x must be (N,C) or (N,C,H,W), got [2, 3, 4]"), ShapeError);
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::ones({2, 3}), Tensor::ones({4}), Tensor(), rm, rv, true),
                         doctest::Contains("batch_norm: parameter [4] must be (3) for x [2, 3]"), ShapeError);
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::ones({1, 3}), Tensor(), Tensor(), rm, rv, true),
                         doctest::Contains("batch_norm: training needs more than one value per channel, got x [1, 3]"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(batch_norm(Tensor::ones({2, 3}), Tensor(), Tensor(), Tensor(), Tensor(), false),
                         doctest::Contains("batch_norm: evaluation needs running_mean and running_var"), ShapeError);
    CHECK(batch_norm(Tensor::ones({1, 3}), Tensor(), Tensor(), rm, rv, false).shape() == Shape{1, 3});  // eval: fine
}

TEST_CASE("dropout: inverted, seeded") {
    Generator g(92);
    Tensor x = Tensor::ones({100000});
    SUBCASE("training: zeros with probability p, survivors scaled by 1/(1-p)") {
        Tensor y = dropout(x, 0.25f, true, g);
        int64_t zeros = 0, scaled = 0;
        for (float v : y.to_vector()) {
            if (v == 0.f) zeros++;
            else if (v == doctest::Approx(1.0 / 0.75)) scaled++;
        }
        CHECK(zeros + scaled == 100000);
        CHECK(double(zeros) / 1e5 == doctest::Approx(0.25).epsilon(0.03));   // sd 0.0014, ~4 sd
        CHECK(mean(y).item() == doctest::Approx(1.0).epsilon(0.01));            // the expectation is kept
    }
    SUBCASE("the same seed drops the same elements") {
        Generator a(5), b(5);
        CHECK(dropout(x, 0.5f, true, a).to_vector() == dropout(x, 0.5f, true, b).to_vector());
    }
    SUBCASE("eval and p = 0 return the input untouched") {
        CHECK(dropout(x, 0.5f, false, g).same(x));
        CHECK(dropout(x, 0.f, true, g).same(x));
    }
    SUBCASE("the gradient is the same mask") {
        Tensor xs = Tensor::ones({1000}).requires_grad_();
        Tensor y = dropout(xs, 0.5f, true, g);
        sum(y).backward();
        CHECK(xs.grad().to_vector() == y.detach().to_vector());   // x = 1: y equals the mask
        Tensor x0 = Tensor::randn({20}, g);
        // a fixed mask per call: the generator is re-seeded inside the function
        check_grad([](const std::vector<Tensor>& in) { Generator fixed(7); return dropout(in[0], 0.3f, true, fixed); },
                   {x0});
    }
    CHECK_THROWS_WITH_AS(dropout(x, 1.f, true, g), doctest::Contains("dropout: p must be in [0, 1), got 1"), ValueError);
    CHECK_THROWS_WITH_AS(dropout(x, -0.1f, true, g), doctest::Contains("dropout: p must be in [0, 1), got -0.1"), ValueError);
}

TEST_CASE("softmax and log_softmax") {
    SUBCASE("forward by hand") {
        // softmax([0, ln 3]) = [1/4, 3/4];  log_softmax = [ln 0.25, ln 0.75] = [-1.386294, -0.287682]
        Tensor x = Tensor::from_vector({0, 1.0986123f}, {1, 2});
        check_values(softmax(x, 1), {0.25, 0.75});
        check_values(log_softmax(x, 1), {-1.386294, -0.287682});
        // along dim 0 of [[0, 0], [ln 3, 0]]: columns [1/4, 3/4] and [1/2, 1/2]
        Tensor c = Tensor::from_vector({0, 0, 1.0986123f, 0}, {2, 2});
        check_values(softmax(c, 0), {0.25, 0.5, 0.75, 0.5});
    }
    SUBCASE("stable for large logits (the max is subtracted first)") {
        // (1000 + ln 3 rounds to the float 1001.09863: the 1e-4 tolerance covers that rounding)
        Tensor x = Tensor::from_vector({1000, 1000 + 1.0986123f}, {1, 2});
        check_values(softmax(x, -1), {0.25, 0.75}, 1e-4);
        check_values(log_softmax(x, -1), {-1.386294, -0.287682}, 1e-4);
        check_values(log_softmax(Tensor::from_vector({-1000, 0}, {1, 2}), 1), {-1000, 0});   // no -inf
    }
    SUBCASE("gradient checks along every dim") {
        Generator g(93);
        Tensor x = Tensor::randn({2, 3, 4}, g);
        for (int64_t d : {0, 1, 2, -1}) {
            INFO("dim " << d);
            check_grad([d](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x});
            check_grad([d](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x});
        }
    }
    CHECK_THROWS_WITH_AS(softmax(Tensor::ones({2, 3}), 2), doctest::Contains("softmax: dimension 2 out of range"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(log_softmax(Tensor::ones({2, 3}), -3), doctest::Contains("log_softmax: dimension -3 out of range"),
                         ShapeError);
}

TEST_CASE("cross_entropy: integer targets, stable") {
    // logits [[0, ln 3], [0, ln 3]] (softmax [1/4, 3/4]), targets [1, 0]:
    // losses -ln 0.75 = 0.287682 and -ln 0.25 = 1.386294; mean 0.836988, sum 1.673976
    Tensor logits = Tensor::from_vector({0, 1.0986123f, 0, 1.0986123f}, {2, 2});
    const std::vector<int64_t> targets{1, 0};
    SUBCASE("reductions") {
        CHECK(cross_entropy(logits, targets).item() == doctest::Approx(0.836988).epsilon(1e-5));
        CHECK(cross_entropy(logits, targets, Reduction::Sum).item() == doctest::Approx(1.673976).epsilon(1e-5));
        check_values(cross_entropy(logits, targets, Reduction::None), {0.287682, 1.386294});
    }
    SUBCASE("gradient: (softmax - onehot) / N") {
        Tensor l = logits.clone().requires_grad_();
        cross_entropy(l, targets).backward();
        // row 0: ([0.25, 0.75] - [0, 1]) / 2 = [0.125, -0.125]; row 1: ([0.25, 0.75] - [1, 0]) / 2
        check_values(l.grad(), {0.125, -0.125, -0.375, 0.375});
        Generator g(94);
        check_grad([](const std::vector<Tensor>& in) { return cross_entropy(in[0], {2, 0, 1, 2}); },
                   {Tensor::randn({4, 3}, g) * 2.f});
        check_grad([](const std::vector<Tensor>& in) { return cross_entropy(in[0], {1}, Reduction::Sum); },
                   {Tensor::randn({1, 5}, g)});
    }
    SUBCASE("no overflow for huge logits") {
        // logits [1000, 0], target 1: loss = 1000 exactly (log-sum-exp = 1000)
        CHECK(cross_entropy(Tensor::from_vector({1000, 0}, {1, 2}), {1}).item() == doctest::Approx(1000));
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(cross_entropy(logits, {0}), doctest::Contains("cross_entropy: 1 targets for logits [2, 2]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(cross_entropy(logits, {0, 2}), doctest::Contains("cross_entropy: target 2 out of range for 2 classes"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(cross_entropy(Tensor::ones({2}), {0, 0}), doctest::Contains("cross_entropy: logits must be (N,C), got [2]"),
                             ShapeError);
    }
}

TEST_CASE("normalize: x / max(|x|, eps) along a dim") {
    // rows (3, 4) -> (0.6, 0.8); (0, 0) stays 0 (divided by eps, not by 0)
    Tensor x = Tensor::from_vector({3, 4, 0, 0}, {2, 2});
    check_values(normalize(x), {0.6, 0.8, 0, 0});
    // along dim 0 of [[3, 4], [4, 3]]: columns (3, 4) and (4, 3) both have norm 5
    check_values(normalize(Tensor::from_vector({3, 4, 4, 3}, {2, 2}), 0), {0.6, 0.8, 0.8, 0.6});
    Tensor xg = x.clone().requires_grad_();
    sum(normalize(xg)).backward();
    for (float v : xg.grad().to_vector()) CHECK(std::isfinite(v));
    Generator g(95);
    check_grad([](const std::vector<Tensor>& in) { return normalize(in[0]); }, {Tensor::randn({3, 4}, g)});
    check_grad([](const std::vector<Tensor>& in) { return normalize(in[0], 0); }, {Tensor::randn({3, 2}, g)});
    CHECK_THROWS_WITH_AS(normalize(x, 2), doctest::Contains("normalize: dimension 2 out of range"), ShapeError);
}

TEST_CASE("normalize: the fused op equals its composed formula, values and gradients") {
    // x / clamp_min(norm(x), eps) built from three ops, along the middle dim of (3,4,2) (strided
    // slices), with one zero slice where the clamp holds; eps 1e-3 keeps that gradient moderate.
    Generator g(96);
    Tensor x = Tensor::randn({3, 4, 2}, g);
    for (int64_t k = 0; k < 4; ++k) x.data()[(1 * 4 + k) * 2 + 1] = 0.f;   // slice (1, :, 1) is zero
    Tensor w = Tensor::randn({3, 4, 2}, g);   // a weighted sum makes dy differ per element
    Tensor a = x.clone().requires_grad_(), b = x.clone().requires_grad_();
    Tensor fused = normalize(a, 1, 1e-3f);
    Tensor composed = div(b, clamp_min(norm(b, 1, true), 1e-3f));
    sum(fused * w).backward();
    sum(composed * w).backward();
    const auto yf = fused.to_vector(), yc = composed.to_vector(), gf = a.grad().to_vector(), gc = b.grad().to_vector();
    for (size_t i = 0; i < yf.size(); ++i) {
        INFO("element " << i);
        CHECK(yf[i] == doctest::Approx(yc[i]).epsilon(1e-6));
        CHECK(gf[i] == doctest::Approx(gc[i]).epsilon(1e-5));
    }
}

TEST_CASE("layer_norm: each row of the last dimension standardised, then scaled and shifted") {
    // Hand values: the row (1, 2, 3, 6) has mean 3 and biased variance (4 + 1 + 0 + 9) / 4 = 3.5.
    const Tensor x = Tensor::from_vector({1, 2, 3, 6, 5, 5, 5, 5}, {2, 4});
    const Tensor w = Tensor::from_vector({1, 2, 1, 0.5f}), b = Tensor::from_vector({0, 0, 1, -1});
    const Tensor y = layer_norm(x, w, b, 1e-5f);
    const double s = std::sqrt(3.5 + 1e-5);
    const double want[8] = {-2 / s, 2 * -1 / s, 0 / s + 1, 0.5 * 3 / s - 1, 0, 0, 1, -1};   // a constant row: x - mean = 0
    for (int i = 0; i < 8; ++i) CHECK(y.data()[i] == doctest::Approx(want[i]).epsilon(1e-5));
    CHECK(layer_norm(x, Tensor(), Tensor()).shape() == Shape{2, 4});
    CHECK_THROWS_WITH_AS(layer_norm(x, Tensor::ones({3}), Tensor()),
                         "layer_norm: weight and bias must be (4) for x [2, 4], got [3]", ShapeError);
}

TEST_CASE("embedding: rows of the table; repeated ids add their gradients") {
    const Tensor w = Tensor::from_vector({0, 1, 10, 11, 20, 21}, {3, 2}).requires_grad_();
    const Tensor e = embedding(w, {2, 0, 2, 2}, {2, 2});
    REQUIRE(e.shape() == Shape{2, 2, 2});
    CHECK(e.to_vector() == std::vector<float>{20, 21, 0, 1, 20, 21, 20, 21});
    sum(e * Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2})).backward();
    // row 0 once (dy 3, 4); row 1 never; row 2 three times: (1+5+7, 2+6+8)
    CHECK(w.grad().to_vector() == std::vector<float>{3, 4, 0, 0, 13, 16});
    CHECK_THROWS_WITH_AS(embedding(w, {3}, {1}), "embedding: id 3 out of range for a vocabulary of 3", ShapeError);
    CHECK_THROWS_WITH_AS(embedding(w, {0, 1}, {3}), "embedding: 2 ids do not fill the shape [3]", ShapeError);
}
