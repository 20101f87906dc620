// losses/margin_softmax: ArcFace and CosFace against double loops (ArcFace through acos, the path
// the code avoids), the guard past theta = pi - m, finite gradients at cos = +-1, gradients for
// embeddings and class weights, and errors.
#include "losses/margin_softmax.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// mean_i -log softmax(logits_i)[y_i]: logits_ic = s cos_ic, the true class's replaced by s * target(cos)
double margin_softmax_reference(const Tensor& x, const std::vector<int64_t>& labels, const Tensor& w, double s,
                                const std::function<double(double)>& target) {
    const Mat X = unit_rows(rows_of(x)), W = unit_rows(rows_of(w));
    double total = 0;
    for (size_t i = 0; i < X.size(); ++i) {
        Row logits;
        for (size_t c = 0; c < W.size(); ++c) {
            const double cos = dot(X[i], W[c]);
            logits.push_back(s * (int64_t(c) == labels[i] ? target(cos) : cos));
        }
        total += log_sum_exp(logits) - logits[size_t(labels[i])];
    }
    return total / double(X.size());
}
// ArcFace's true-class cosine: cos(theta + m), or cos theta - m sin m past theta = pi - m
std::function<double(double)> arcface_target(double m) {
    return [m](double cos) {
        const double theta = std::acos(std::clamp(cos, -1.0, 1.0));
        return theta + m <= M_PI ? std::cos(theta + m) : cos - m * std::sin(m);
    };
}
}  // namespace

TEST_CASE("losses margin softmax: a case worked by hand") {
    // x = e1 of class 0, weights e1 and e2; s = 1.
    // ArcFace m = 0.5: logits cos(0.5) = 0.877583 and 0 -> log(1 + e^-0.877583) = log(1.415797) = 0.347685
    // CosFace m = 0.35: logits 0.65 and 0 -> log(1 + e^-0.65) = log(1.522046) = 0.420055
    const Tensor x = Tensor::from_vector({2, 0}, {1, 2});
    const Tensor w = Tensor::from_vector({1, 0, 0, 5}, {2, 2});
    CHECK(arcface_loss(x, {0}, w, {0.5f, 1.f}).item() == doctest::Approx(0.347685).epsilon(1e-4));
    CHECK(cosface_loss(x, {0}, w, {0.35f, 1.f}).item() == doctest::Approx(0.420055).epsilon(1e-4));
}

TEST_CASE("losses margin softmax: against double loops over the formulas") {
    for (const auto& [N_, D_, C_] : {std::tuple<int64_t, int64_t, int64_t>{1, 3, 2}, {10, 4, 3}, {40, 16, 7}}) {
        const auto& N = N_; const auto& D = D_; const auto& C = C_;
        CAPTURE(N);
        const Tensor x = randn({N, D}, 401), w = randn({C, D}, 402);
        const std::vector<int64_t> labels = random_labels(N, C, 403);
        for (const auto& [m_, s_] : {std::pair<float, float>{0.5f, 64.f}, {0.2f, 8.f}, {1.2f, 16.f}}) {
            const auto& m = m_; const auto& s = s_;
            CAPTURE(m);
            CHECK(arcface_loss(x, labels, w, {m, s}).item() ==
                  doctest::Approx(margin_softmax_reference(x, labels, w, s, arcface_target(m))).epsilon(1e-4));
            const double mc = m;
            CHECK(cosface_loss(x, labels, w, {m, s}).item() ==
                  doctest::Approx(margin_softmax_reference(x, labels, w, s, [mc](double c) { return c - mc; }))
                      .epsilon(1e-4));
        }
    }
}

TEST_CASE("losses margin softmax: ArcFace's loss never falls as the angle to the true class grows") {
    // x at angle theta from its class weight e1 in the e1-e2 plane; the other class weight e3 stays at
    // cosine 0. cos(theta + m) alone would rise again past theta = pi - m and reward the worse angle.
    const Tensor w = Tensor::from_vector({1, 0, 0, 0, 0, 1}, {2, 3});
    float previous = -1.f;
    for (int k = 0; k <= 314; ++k) {
        const float theta = 0.01f * float(k);
        const Tensor x = Tensor::from_vector({std::cos(theta), std::sin(theta), 0.f}, {1, 3});
        const float l = arcface_loss(x, {0}, w, {0.5f, 8.f}).item();
        CAPTURE(theta);
        CHECK(l >= previous);
        previous = l;
    }
}

TEST_CASE("losses margin softmax: gradients stay finite at cos = +-1") {
    // the embedding on its class weight (theta = 0) and opposite it (theta = pi): sin theta = 0
    for (float sign : {1.f, -1.f}) {
        Tensor x = Tensor::from_vector({sign, 0, 0}, {1, 3}).requires_grad_(true);
        Tensor w = Tensor::from_vector({1, 0, 0, 0, 1, 0}, {2, 3}).requires_grad_(true);
        const Tensor l = arcface_loss(x, {0}, w);
        l.backward();
        CAPTURE(sign);
        CHECK(std::isfinite(l.item()));
        CHECK(all_finite(x.grad()));
        CHECK(all_finite(w.grad()));
    }
}

TEST_CASE("losses margin softmax: gradcheck for embeddings and class weights") {
    // scale 4: at 64 the logits amplify float32 noise in the central differences. The random angles
    // stay away from the ArcFace threshold pi - m (where the target logit steps).
    const std::vector<int64_t> labels = {0, 1, 0, 2, 1, 3};
    const Tensor x = randn({6, 3}, 411), w = randn({4, 3}, 412);
    check_gradients([&](const std::vector<Tensor>& t) { return arcface_loss(t[0], labels, t[1], {0.5f, 4.f}); },
                    {x, w}, {1e-3, 1e-3, 1e-2, 1234});
    check_gradients([&](const std::vector<Tensor>& t) { return cosface_loss(t[0], labels, t[1], {0.35f, 4.f}); },
                    {x, w}, {1e-3, 1e-3, 1e-2, 1234});
}

TEST_CASE("losses margin softmax: errors name the op and the values") {
    CHECK_THROWS_WITH_AS(arcface_loss(randn({4, 3}, 1), {0, 1, 0, 1}, randn({2, 4}, 2)),
                         doctest::Contains("arcface_loss: embeddings [4, 3] and proxies [2, 4]"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(cosface_loss(randn({2, 3}, 1), {0, 1, 1}, randn({2, 3}, 2)),
                         doctest::Contains("cosface_loss: 3 labels for 2 embeddings"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(cosface_loss(randn({2, 3}, 1), {0, 2}, randn({2, 3}, 2)),
                         doctest::Contains("cosface_loss: label 2 of row 1 is not a class of the 2 proxies (0..1)"),
                         ct::ValueError);
    CHECK_THROWS_WITH_AS(arcface_loss(randn({2, 3}, 1), {0, 1}, randn({2, 3}, 2), {2.f, 64.f}),
                         doctest::Contains("arcface_loss: scale must be > 0 and margin in [0, pi/2) radians"),
                         ct::ValueError);
}
