// losses/proxies: the module owning the proxies: one parameter "proxies" (C,D) that trains, the
// loss of each kind equal to its function, a state_dict round trip, names and errors.
#include "losses/proxies.h"

#include "core/random.h"
#include "losses/margin_softmax.h"
#include "losses/proxy_anchor.h"
#include "losses/proxy_nca.h"
#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses proxies: each kind is its loss function on the module's proxies") {
    const Tensor x = randn({8, 5}, 501);
    const std::vector<int64_t> labels = random_labels(8, 4, 502);
    for (const std::string& name : proxy_loss_names()) {
        CAPTURE(name);
        const ProxyLossKind kind = proxy_loss_kind(name);
        Generator gen(7);
        ProxyLoss m(kind, 4, 5, ProxyLossOptions::defaults(kind), gen);
        const auto params = m.named_parameters();
        REQUIRE(params.size() == 1);
        CHECK(params[0].first == "proxies");
        CHECK(params[0].second.shape() == Shape{4, 5});
        const Tensor& p = m.proxies;
        const float expected = kind == ProxyLossKind::ProxyAnchor ? proxy_anchor_loss(x, labels, p).item()
                               : kind == ProxyLossKind::ProxyNCA  ? proxy_nca_loss(x, labels, p).item()
                               : kind == ProxyLossKind::ArcFace   ? arcface_loss(x, labels, p).item()
                                                                  : cosface_loss(x, labels, p).item();
        CHECK(m.loss(x, labels).item() == expected);
    }
    // the papers' defaults
    CHECK(ProxyLossOptions::defaults(ProxyLossKind::ProxyAnchor).scale == 32.f);
    CHECK(ProxyLossOptions::defaults(ProxyLossKind::ProxyAnchor).margin == 0.1f);
    CHECK(ProxyLossOptions::defaults(ProxyLossKind::ArcFace).margin == 0.5f);
    CHECK(ProxyLossOptions::defaults(ProxyLossKind::CosFace).margin == 0.35f);
    CHECK(ProxyLossOptions::defaults(ProxyLossKind::CosFace).scale == 64.f);
}

TEST_CASE("losses proxies: the proxies get gradients and a state_dict round trip restores them") {
    Generator gen(3);
    ProxyLoss a(ProxyLossKind::ProxyAnchor, 3, 4, {}, gen);
    a.loss(randn({6, 4}, 511), {0, 1, 2, 0, 1, 2}).backward();
    REQUIRE(a.proxies.grad().defined());
    CHECK(all_finite(a.proxies.grad()));
    Generator other(99);
    ProxyLoss b(ProxyLossKind::ProxyAnchor, 3, 4, {}, other);
    CHECK(b.proxies.to_vector() != a.proxies.to_vector());
    b.load_state_dict(a.state_dict());
    CHECK(b.proxies.to_vector() == a.proxies.to_vector());
}

TEST_CASE("losses proxies: errors") {
    Generator gen(1);
    CHECK_THROWS_WITH_AS(proxy_loss_kind("center"),
                         doctest::Contains("proxy loss 'center' is not one of: proxy-anchor|proxy-nca|arcface|cosface"),
                         ct::ValueError);
    CHECK_THROWS_WITH_AS(ProxyLoss(ProxyLossKind::ArcFace, 1, 4, {}, gen),
                         doctest::Contains("ArcFaceLoss: needs at least 2 classes"), ct::ValueError);
    ProxyLoss m(ProxyLossKind::CosFace, 3, 4, {}, gen);
    CHECK_THROWS_WITH_AS(m.forward(randn({2, 4}, 1)), doctest::Contains("CosFaceLoss: a proxy loss needs the labels"),
                         ct::ShapeError);
    CHECK_THROWS_WITH_AS(m.loss(randn({2, 4}, 1), {0, 3}),
                         doctest::Contains("cosface_loss: label 3 of row 1 is not a class of the 3 proxies (0..2)"),
                         ct::ValueError);
}
