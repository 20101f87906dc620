// losses/supcon: SupCon (L_out) against a double loop, its equality with NT-Xent when every label
// is distinct, anchors without positives, the base temperature scale, stability and gradcheck.
#include "losses/supcon.h"

#include "losses/nt_xent.h"
#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// Khosla et al. eq. 2 in double: for anchor i with positives P(i) (same label, not i),
// l_i = -(t/bt) / |P(i)| sum_p [ s_ip/t - log sum_{a != i} exp(s_ia/t) ]; the mean over anchors with
// at least one positive.
double supcon_reference(const Tensor& f, const std::vector<int64_t>& labels, double t, double bt) {
    const Mat Z = unit_rows(rows_of(f));
    double total = 0;
    int anchors = 0;
    for (size_t i = 0; i < Z.size(); ++i) {
        double denom = 0, acc = 0;
        int count = 0;
        for (size_t a = 0; a < Z.size(); ++a)
            if (a != i) denom += std::exp(dot(Z[i], Z[a]) / t);
        for (size_t p = 0; p < Z.size(); ++p)
            if (p != i && labels[p] == labels[i]) acc += dot(Z[i], Z[p]) / t, ++count;
        if (count == 0) continue;
        total += -(t / bt) * (acc / count - std::log(denom));
        ++anchors;
    }
    return anchors ? total / anchors : 0.0;
}
}  // namespace

TEST_CASE("losses supcon: against a double loop over the formula") {
    for (const auto& [M_, D_, C_] : {std::tuple<int64_t, int64_t, int64_t>{2, 3, 1}, {10, 4, 3}, {40, 16, 5}}) {
        const auto& M = M_; const auto& D = D_; const auto& C = C_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(M);
        const Tensor f = randn({M, D}, 151);
        std::vector<int64_t> labels = random_labels(M, C, 152);
        labels.back() = 99;   // a class with a single sample: that anchor contributes nothing
        for (const auto& [t_, bt_] : {std::pair<float, float>{0.07f, 0.07f}, {0.5f, 0.07f}, {0.1f, 1.f}}) {
            const auto& t = t_; const auto& bt = bt_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
            SupConOptions o;
            o.temperature = t;
            o.base_temperature = bt;
            CHECK(supcon_loss(f, labels, o).item() == doctest::Approx(supcon_reference(f, labels, t, bt)).epsilon(1e-4));
        }
    }
}

TEST_CASE("losses supcon: with every label distinct it equals NT-Xent") {
    for (const auto& [N_, t_] : {std::pair<int64_t, float>{1, 0.5f}, {8, 0.5f}, {20, 0.1f}}) {
        const auto& N = N_; const auto& t = t_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(N);
        const Tensor z1 = randn({N, 6}, 161), z2 = randn({N, 6}, 162);
        std::vector<int64_t> distinct(static_cast<size_t>(N));
        for (int64_t i = 0; i < N; ++i) distinct[size_t(i)] = i;
        SupConOptions o;
        o.temperature = o.base_temperature = t;   // no extra scale
        CHECK(supcon_loss({z1, z2}, distinct, o).item() == doctest::Approx(nt_xent_loss(z1, z2, t).item()).epsilon(1e-5));
    }
}

TEST_CASE("losses supcon: edge cases give a defined loss, no NaN") {
    Tensor f = randn({6, 3}, 171).requires_grad_(true);
    // every label distinct (single views): no anchor has a positive -> 0 connected to the graph
    const Tensor none = supcon_loss(f, {0, 1, 2, 3, 4, 5});
    none.backward();
    CHECK(none.item() == 0.f);
    CHECK(f.grad().to_vector() == std::vector<float>(18, 0.f));
    // all labels equal: no negatives, still finite
    f.zero_grad();
    const Tensor same = supcon_loss(f, std::vector<int64_t>(6, 0));
    same.backward();
    CHECK(std::isfinite(same.item()));
    CHECK(all_finite(f.grad()));
    // identical and zero embeddings at temperature 0.05
    const Tensor z = cat({Tensor::ones({3, 3}), Tensor::zeros({3, 3})}, 0).requires_grad_(true);
    SupConOptions o;
    o.temperature = o.base_temperature = 0.05f;
    const Tensor l = supcon_loss(z, {0, 0, 1, 1, 2, 2}, o);
    l.backward();
    CHECK(std::isfinite(l.item()));
    CHECK(all_finite(z.grad()));
}

TEST_CASE("losses supcon: gradcheck") {
    // smooth (no hinge); a singleton class exercises the excluded anchor
    const std::vector<int64_t> labels = {0, 1, 0, 1, 1, 2};
    SupConOptions o;
    o.temperature = 0.5f;
    o.base_temperature = 0.07f;
    check_gradients([&](const std::vector<Tensor>& t) { return supcon_loss(t[0], labels, o); }, {randn({6, 3}, 181)},
                    {1e-3, 1e-3, 1e-2, 1234});
}

TEST_CASE("losses supcon: errors name the op and the values") {
    CHECK_THROWS_WITH_AS(supcon_loss(randn({4, 3}, 1), {0, 1}),
                         doctest::Contains("supcon_loss: features [4, 3] must be (M,D) with M = 2 labels"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(supcon_loss({randn({4, 3}, 1), randn({3, 3}, 2)}, {0, 1, 2, 3}),
                         doctest::Contains("supcon_loss: view 1 [3, 3] must be (N,D) with N = 4 labels"), ct::ShapeError);
    SupConOptions o;
    o.temperature = -1.f;
    CHECK_THROWS_WITH_AS(supcon_loss(randn({4, 3}, 1), {0, 1, 0, 1}, o),
                         doctest::Contains("supcon_loss: temperature -1"), ct::ValueError);
}
