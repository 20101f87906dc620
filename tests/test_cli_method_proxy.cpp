// apps/contrast/method_proxy.cpp: each --loss's defaults after finish(), the ArcFace margin bound,
// and the proxies' own learning rate (--proxy-lr-mult) through the optimizer's parameter groups:
// one SGD step against an update worked by hand.
#include <doctest/doctest.h>

#include "apps/contrast/method.h"
#include "core/check.h"
#include "core/ops.h"
#include "core/random.h"
#include "nn/linear.h"

using namespace ct;
using namespace ct::app;

namespace {
RunConfig proxy_config(const std::string& loss) {
    RunConfig c = defaults_for("proxy", "mnist");
    c.loss = loss;
    find_method("proxy").finish(c);
    return c;
}
}  // namespace

TEST_CASE("cli method proxy: each loss gets its paper's defaults unless given") {
    const RunConfig anchor = proxy_config("proxy-anchor");
    CHECK(anchor.scale == 32.f);
    CHECK(anchor.margin == doctest::Approx(0.1));
    CHECK(anchor.proxy_lr_mult == 100.f);
    const RunConfig arc = proxy_config("arcface");
    CHECK(arc.scale == 64.f);
    CHECK(arc.margin == doctest::Approx(0.5));
    CHECK(arc.proxy_lr_mult == 1.f);
    const RunConfig cos = proxy_config("cosface");
    CHECK(cos.margin == doctest::Approx(0.35));
    CHECK(proxy_config("proxy-nca").scale == 1.f);
    // given values stay
    RunConfig c = defaults_for("proxy", "mnist");
    c.loss = "cosface";
    c.margin = 0.2f;
    c.scale = 30.f;
    c.proxy_lr_mult = 10.f;
    find_method("proxy").finish(c);
    CHECK(c.margin == 0.2f);
    CHECK(c.scale == 30.f);
    CHECK(c.proxy_lr_mult == 10.f);
    CHECK(find_method("proxy").describe_loss(c).find("cosface scale 30 margin 0.2") != std::string::npos);
    c.loss = "arcface";
    c.margin = 2.f;
    CHECK_THROWS_WITH_AS(find_method("proxy").finish(c),
                         doctest::Contains("--margin 2: ArcFace's angular margin must be below pi/2"), ValueError);
}

TEST_CASE("cli method proxy: the proxies train at --lr times --proxy-lr-mult") {
    RunConfig c = proxy_config("proxy-anchor");
    c.optimizer = "sgd";
    c.momentum = 0.f;
    c.lr = 0.1f;
    Generator gen(5);
    auto net = std::make_shared<nn::Linear>(3, 2, gen);
    Dataset train;
    train.labels = {0, 1, 2};
    train.classes = {"a", "b", "c"};
    c.embedding_dim = 2;
    Model model;
    model.net = net;
    const std::unique_ptr<Objective> objective = find_method("proxy").objective(c, model, train);
    const nn::ModulePtr extras = objective->extras();
    REQUIRE(extras);
    CHECK(objective->extras_lr_mult() == 100.f);
    auto opt = build_optimizer(c, param_groups(c, *net, extras, objective->extras_lr_mult()));
    REQUIRE(opt->param_groups().size() == 2);
    CHECK(opt->param_groups()[1].params[0].first == "method.proxies");
    const Tensor w = net->weight, p = extras->named_parameters()[0].second;
    const std::vector<float> w0 = w.to_vector(), p0 = p.to_vector();
    // L = sum(w) + 2 sum(p): dL/dw = 1, dL/dp = 2. One SGD step: w -= 0.1 * 1, p -= (0.1 * 100) * 2
    (sum(w) + sum(p) * 2.f).backward();
    opt->step();
    const std::vector<float> w1 = w.to_vector(), p1 = p.to_vector();
    for (size_t i = 0; i < w0.size(); ++i) CHECK(w1[i] == doctest::Approx(w0[i] - 0.1f));
    for (size_t i = 0; i < p0.size(); ++i) CHECK(p1[i] == doctest::Approx(p0[i] - 20.f));
    // a schedule scales both groups from their own initial rate
    nn::LrSchedule::parse("cosine", 4, 0, 1).apply(*opt, 2);
    CHECK(opt->param_groups()[1].lr == doctest::Approx(100 * opt->param_groups()[0].lr));
}
