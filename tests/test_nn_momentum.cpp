// nn/momentum: the momentum copy starts equal to the online network, holds its tensors as buffers
// under the online network's names, and follows it by the EMA formula checked by hand.
#include <doctest/doctest.h>

#include "core/autograd.h"
#include "core/random.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/momentum.h"
#include "nn/sequential.h"

using namespace ct;
using namespace ct::nn;

namespace {
std::shared_ptr<Sequential> small_net(uint64_t seed) {
    Generator gen(seed);
    return std::make_shared<Sequential>(
        std::vector<ModulePtr>{std::make_shared<Linear>(3, 2, gen), std::make_shared<BatchNorm1d>(2)});
}
}  // namespace

TEST_CASE("nn momentum: the copy starts as the online network, as buffers under the same names") {
    auto online = small_net(1), copy = small_net(2);
    MomentumCopy target(online, copy);
    CHECK(target.named_parameters().empty());   // nothing for an optimizer
    const NamedTensors mine = target.state_dict(), theirs = online->state_dict();
    REQUIRE(mine.size() == theirs.size());
    for (size_t i = 0; i < mine.size(); ++i) {
        CAPTURE(mine[i].first);
        CHECK(mine[i].first == theirs[i].first);   // "0.weight", "0.bias", "1.weight", ..., "1.running_var"
        CHECK(mine[i].second.to_vector() == theirs[i].second.to_vector());
        CHECK(mine[i].second.data() != theirs[i].second.data());   // a copy, not the same storage
        CHECK_FALSE(mine[i].second.requires_grad());
    }
    Generator gen(3);
    const Tensor x = Tensor::randn({4, 3}, gen).requires_grad_(true);
    CHECK_FALSE(target(x).requires_grad());   // no graph through the copy, even for an input that has one
}

TEST_CASE("nn momentum: update is copy = tau copy + (1 - tau) online, parameters only") {
    Generator g1(1), g2(2);
    auto online = std::make_shared<Linear>(2, 1, g1), copy = std::make_shared<Linear>(2, 1, g2);
    MomentumCopy target(online, copy);
    // copy = w (1, 2), b 3; then the online network moves to w (5, -2), b 0
    copy->named_parameters()[0].second.copy_(Tensor::from_vector({1, 2}, {1, 2}));
    copy->named_parameters()[1].second.copy_(Tensor::from_vector({3}, {1}));
    online->named_parameters()[0].second.copy_(Tensor::from_vector({5, -2}, {1, 2}));
    online->named_parameters()[1].second.copy_(Tensor::from_vector({0}, {1}));
    target.update(0.75f);
    // 0.75 * 1 + 0.25 * 5 = 2;  0.75 * 2 + 0.25 * -2 = 1;  0.75 * 3 + 0 = 2.25
    CHECK(target.state_dict()[0].second.to_vector() == std::vector<float>{2.f, 1.f});
    CHECK(target.state_dict()[1].second.to_vector() == std::vector<float>{2.25f});
    target.update(1.f);   // tau 1: frozen
    CHECK(target.state_dict()[0].second.to_vector() == std::vector<float>{2.f, 1.f});
    target.update(0.f);   // tau 0: the online weights
    CHECK(target.state_dict()[0].second.to_vector() == std::vector<float>{5.f, -2.f});
    CHECK_THROWS_WITH_AS(target.update(1.5f), doctest::Contains("tau must be in [0, 1], got 1.5"), ValueError);
}

TEST_CASE("nn momentum: a copy of another architecture is refused") {
    Generator gen(1);
    CHECK_THROWS_WITH_AS(MomentumCopy(std::make_shared<Linear>(3, 2, gen), std::make_shared<Linear>(3, 4, gen)),
                         doctest::Contains("MomentumCopy: tensor 0 is 'weight' [4, 3] in the copy but 'weight' [2, 3] online"),
                         ShapeError);
}
