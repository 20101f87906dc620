// losses/nt_xent: NT-Xent against a double loop over the SimCLR formula, its symmetry in the two
// views and invariance to scale, numerical stability (identical and zero embeddings, temperature
// 0.05, batch 1024), InfoNCE in its three modes, gradchecks.
#include "losses/nt_xent.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

namespace {
// SimCLR's loss in double: z = unit rows of [z1; z2]; for anchor i with partner k = (i+N) mod 2N,
// l_i = -s_ik/t + log sum_{j != i} exp(s_ij/t); the mean over 2N anchors.
double nt_xent_reference(const Tensor& z1, const Tensor& z2, double t) {
    Mat Z = unit_rows(rows_of(z1));
    for (const Row& r : unit_rows(rows_of(z2))) Z.push_back(r);
    const size_t M = Z.size(), N = M / 2;
    double total = 0;
    for (size_t i = 0; i < M; ++i) {
        double denom = 0;
        for (size_t j = 0; j < M; ++j)
            if (j != i) denom += std::exp(dot(Z[i], Z[j]) / t);
        total += -dot(Z[i], Z[(i + N) % M]) / t + std::log(denom);
    }
    return total / double(M);
}
// InfoNCE in double with explicit per-query negatives.
double info_nce_reference(const Mat& Q, const Mat& P, const std::vector<Mat>& negs, double t) {
    double total = 0;
    for (size_t i = 0; i < Q.size(); ++i) {
        const double pos = cosine(Q[i], P[i]) / t;
        double denom = std::exp(pos);
        for (const Row& n : negs[i]) denom += std::exp(cosine(Q[i], n) / t);
        total += -pos + std::log(denom);
    }
    return total / double(Q.size());
}
}  // namespace

TEST_CASE("losses nt_xent: against a double loop over the formula") {
    for (const auto& [N_, D_, t_] : {std::tuple<int64_t, int64_t, float>{1, 3, 0.5f}, {4, 3, 0.5f}, {16, 8, 0.1f}, {33, 5, 1.f}}) {
        const auto& N = N_; const auto& D = D_; const auto& t = t_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(N); CAPTURE(t);
        const Tensor z1 = randn({N, D}, 101), z2 = randn({N, D}, 102);
        CHECK(nt_xent_loss(z1, z2, t).item() == doctest::Approx(nt_xent_reference(z1, z2, t)).epsilon(1e-4));
    }
    // N = 1: the partner is the only other entry, softmax 1, loss exactly log 1 = 0
    CHECK(nt_xent_loss(randn({1, 3}, 1), randn({1, 3}, 2)).item() == doctest::Approx(0.0).epsilon(1e-6));
}

TEST_CASE("losses nt_xent: symmetric in the two views, invariant to the embeddings' scale") {
    const Tensor z1 = randn({8, 6}, 111), z2 = randn({8, 6}, 112);
    const float l = nt_xent_loss(z1, z2, 0.5f).item();
    CHECK(nt_xent_loss(z2, z1, 0.5f).item() == doctest::Approx(l).epsilon(1e-5));
    CHECK(nt_xent_loss(z1 * 7.f, z2 * 0.01f, 0.5f).item() == doctest::Approx(l).epsilon(1e-5));
}

TEST_CASE("losses nt_xent: stable for identical and zero embeddings, temperature 0.05, batch 1024") {
    // identical embeddings: every logit equal, so each anchor's loss is log(2N - 1)
    const Tensor same = Tensor::ones({4, 3}).requires_grad_(true);
    const Tensor l_same = nt_xent_loss(same, same, 0.05f);
    l_same.backward();
    CHECK(l_same.item() == doctest::Approx(std::log(7.0)).epsilon(1e-5));
    CHECK(all_finite(same.grad()));
    // zero vectors: normalize's eps keeps them 0 (no NaN), the logits are 0: log(2N - 1) again
    const Tensor zero = Tensor::zeros({4, 3}).requires_grad_(true);
    const Tensor l_zero = nt_xent_loss(zero, Tensor::zeros({4, 3}), 0.5f);
    l_zero.backward();
    CHECK(l_zero.item() == doctest::Approx(std::log(7.0)).epsilon(1e-5));
    CHECK(all_finite(zero.grad()));
    // 512 pairs = 1024 embeddings at temperature 0.05: logits up to 20, exp would overflow nothing
    // thanks to the max shift; compare with the double loop
    const Tensor z1 = randn({512, 16}, 113).requires_grad_(true), z2 = randn({512, 16}, 114);
    const Tensor big = nt_xent_loss(z1, z2, 0.05f);
    big.backward();
    CHECK(big.item() == doctest::Approx(nt_xent_reference(z1.detach(), z2, 0.05)).epsilon(1e-4));
    CHECK(all_finite(z1.grad()));
}

TEST_CASE("losses nt_xent: the fused loss equals the composed one, value and gradients") {
    for (const auto& [N_, D_, t_] : {std::tuple<int64_t, int64_t, float>{1, 4, 0.5f}, {7, 5, 0.5f}, {64, 32, 0.05f}}) {
        const auto& N = N_; const auto& D = D_; const auto& t = t_;   // CAPTURE's lambda cannot capture a binding (C++17, clang)
        CAPTURE(N);
        const Tensor a1 = randn({N, D}, 125).requires_grad_(true), a2 = randn({N, D}, 126).requires_grad_(true);
        const Tensor b1 = a1.detach().clone().requires_grad_(true), b2 = a2.detach().clone().requires_grad_(true);
        const Tensor fused = nt_xent_loss(a1, a2, t), composed = nt_xent_loss_composed(b1, b2, t);
        CHECK(fused.item() == doctest::Approx(composed.item()).epsilon(1e-5));
        fused.backward();
        composed.backward();
        const std::vector<float> g1 = a1.grad().to_vector(), h1 = b1.grad().to_vector();
        const std::vector<float> g2 = a2.grad().to_vector(), h2 = b2.grad().to_vector();
        for (size_t k = 0; k < g1.size(); ++k) {
            CHECK(g1[k] == doctest::Approx(h1[k]).epsilon(1e-3).scale(1e-3));
            CHECK(g2[k] == doctest::Approx(h2[k]).epsilon(1e-3).scale(1e-3));
        }
    }
}

TEST_CASE("losses nt_xent: gradcheck") {
    // smooth everywhere (no hinge); float32 forward noise allows eps 1e-2
    check_gradients([](const std::vector<Tensor>& t) { return nt_xent_loss(t[0], t[1], 0.5f); },
                    {randn({3, 4}, 121), randn({3, 4}, 122)});
    check_gradients([](const std::vector<Tensor>& t) { return nt_xent_loss(t[0], t[1], 0.2f); },
                    {randn({2, 3}, 123), randn({2, 3}, 124)}, {1e-3, 1e-3, 1e-2, 1234});
    check_gradients([](const std::vector<Tensor>& t) { return nt_xent_loss_composed(t[0], t[1], 0.5f); },
                    {randn({3, 4}, 121), randn({3, 4}, 122)});
}

TEST_CASE("losses info_nce: in-batch, shared and per-query negatives against double loops") {
    const int64_t N = 6, M = 5, D = 4;
    const Tensor q = randn({N, D}, 131), p = randn({N, D}, 132), shared = randn({M, D}, 133);
    const Tensor own = randn({N, M, D}, 134);
    const Mat Q = rows_of(q), P = rows_of(p), S = rows_of(shared);
    // in-batch: query i's negatives are the other queries' positive keys
    std::vector<Mat> in_batch(N), shared_negs(N, S), own_negs(N);
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < N; ++j)
            if (j != i) in_batch[size_t(i)].push_back(P[size_t(j)]);
        own_negs[size_t(i)] = rows_of(reshape(narrow(own, 0, i, 1), {M, D}));
    }
    CHECK(info_nce(q, p, Tensor(), 0.1f).item() == doctest::Approx(info_nce_reference(Q, P, in_batch, 0.1)).epsilon(1e-4));
    CHECK(info_nce(q, p, shared, 0.2f).item() == doctest::Approx(info_nce_reference(Q, P, shared_negs, 0.2)).epsilon(1e-4));
    CHECK(info_nce(q, p, own, 0.5f).item() == doctest::Approx(info_nce_reference(Q, P, own_negs, 0.5)).epsilon(1e-4));
    check_gradients([](const std::vector<Tensor>& t) { return info_nce(t[0], t[1], Tensor(), 0.5f); },
                    {randn({3, 4}, 135), randn({3, 4}, 136)});
    check_gradients([](const std::vector<Tensor>& t) { return info_nce(t[0], t[1], t[2], 0.5f); },
                    {randn({3, 4}, 137), randn({3, 4}, 138), randn({2, 4}, 139)});
    check_gradients([](const std::vector<Tensor>& t) { return info_nce(t[0], t[1], t[2], 0.5f); },
                    {randn({3, 4}, 140), randn({3, 4}, 141), randn({3, 2, 4}, 142)});
}

TEST_CASE("losses nt_xent: errors name the op and the values") {
    CHECK_THROWS_WITH_AS(nt_xent_loss(randn({4, 3}, 1), randn({5, 3}, 2)),
                         doctest::Contains("nt_xent_loss: z1 [4, 3] and z2 [5, 3] must both be (N,D)"), ct::ShapeError);
    CHECK_THROWS_WITH_AS(nt_xent_loss(randn({4, 3}, 1), randn({4, 3}, 2), 0.f),
                         doctest::Contains("nt_xent_loss: temperature must be > 0, got 0"), ct::ValueError);
    CHECK_THROWS_WITH_AS(info_nce(randn({4, 3}, 1), randn({4, 3}, 2), randn({4, 2}, 3)),
                         doctest::Contains("info_nce: negative_keys [4, 2] must be (M,3) or (4,M,3)"), ct::ShapeError);
}
