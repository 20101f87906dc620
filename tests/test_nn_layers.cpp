// nn layers: Linear, Conv2d, BatchNorm, activations, pooling, Flatten/Normalize/Dropout/Identity,
// initialisation bounds, and a gradient check through a small Sequential of them.
// Run: ./build/tests -tc="*nn layers*"
#include <doctest/doctest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/gradcheck.h"
#include "core/ops.h"
#include "nn/activations.h"
#include "nn/basic_layers.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/pool.h"
#include "nn/sequential.h"

using namespace ct;
using namespace ct::nn;

TEST_CASE("nn layers: Linear") {
    Generator gen(1);
    Linear fc(3, 2, gen);
    SUBCASE("parameters, names and shapes") {
        auto np = fc.named_parameters();
        REQUIRE(np.size() == 2);
        CHECK(np[0].first == "weight");
        CHECK(np[0].second.shape() == Shape{2, 3});
        CHECK(np[1].first == "bias");
        CHECK(np[1].second.requires_grad());
        CHECK(fc.num_parameters() == 8);
    }
    SUBCASE("forward by hand") {
        fc.weight.copy_(Tensor::from_vector({1, 2, 3, -1, 0, 1}, {2, 3}));
        fc.bias.copy_(Tensor::from_vector({0.5f, -0.5f}));
        Tensor y = fc(Tensor::from_vector({1, 1, 2}, {1, 3}));
        // row 0: 1+2+6+0.5 = 9.5;  row 1: -1+0+2-0.5 = 0.5
        CHECK(y.shape() == Shape{1, 2});
        CHECK(y.at({0, 0}) == doctest::Approx(9.5));
        CHECK(y.at({0, 1}) == doctest::Approx(0.5));
    }
    SUBCASE("no bias") {
        Linear nb(3, 2, gen, false);
        CHECK(nb.named_parameters().size() == 1);
        CHECK_FALSE(nb.bias.defined());
    }
    SUBCASE("wrong input names the layer and the shape") {
        CHECK_THROWS_WITH_AS(fc(Tensor::zeros({4, 5})), doctest::Contains("Linear(3, 2): input must be (N,3), got [4, 5]"),
                             ShapeError);
    }
}

TEST_CASE("nn layers: PyTorch default init bounds and the xavier/kaiming variants") {
    Generator gen(7);
    // Linear(200,100): kaiming_uniform(a=sqrt 5) -> U(-1/sqrt(200), 1/sqrt(200)) = U(-0.0707, 0.0707)
    Linear fc(200, 100, gen);
    const double bound = 1.0 / std::sqrt(200.0);
    double max_abs = 0, sum = 0, sum2 = 0;
    for (float v : fc.weight.to_vector()) {
        max_abs = std::max(max_abs, double(std::fabs(v)));
        sum += v;
        sum2 += double(v) * v;
    }
    const double n = 200.0 * 100.0;
    CHECK(max_abs <= bound);
    CHECK(max_abs > 0.99 * bound);
    CHECK(std::fabs(sum / n) < 0.02 * bound);   // the mean of 20000 draws: std b/sqrt(3)/141 = 0.004 b
    CHECK(sum2 / n == doctest::Approx(bound * bound / 3).epsilon(0.03));   // variance of U(-b,b) = b^2/3
    for (float v : fc.bias.to_vector()) CHECK(std::fabs(v) <= bound);

    // Conv2d(4, 8, 3): fan_in = 4*3*3 = 36 -> bound 1/6
    Conv2d conv(4, 8, 3, gen);
    for (float v : conv.weight.to_vector()) CHECK(std::fabs(v) <= 1.0 / 6.0);

    SUBCASE("fans and explicit variants") {
        Tensor w = Tensor::empty({8, 4, 3, 3});
        CHECK(compute_fans(w).in == 36);
        CHECK(compute_fans(w).out == 72);
        xavier_uniform_(w, gen);   // bound sqrt(6 / (36 + 72)) = 0.2357
        for (float v : w.to_vector()) CHECK(std::fabs(v) <= std::sqrt(6.0 / 108.0));
        kaiming_uniform_(w, gen);  // relu gain sqrt 2: bound sqrt(2) * sqrt(3 / 36) = 0.4082
        double m = 0;
        for (float v : w.to_vector()) m = std::max(m, double(std::fabs(v)));
        CHECK(m <= std::sqrt(6.0 / 36.0));
        CHECK(m > 0.9 * std::sqrt(6.0 / 36.0));
        Tensor big = Tensor::empty({400, 100});
        kaiming_normal_(big, gen);   // std = sqrt(2 / 100) = 0.1414
        double s2 = 0;
        for (float v : big.to_vector()) s2 += double(v) * v;
        CHECK(std::sqrt(s2 / 40000.0) == doctest::Approx(std::sqrt(0.02)).epsilon(0.03));
        CHECK_THROWS_WITH_AS(compute_fans(Tensor::empty({5})), doctest::Contains("rank >= 2, got [5]"), ShapeError);
    }
    SUBCASE("the same seed gives the same weights") {
        Generator a(3), b(3);
        CHECK(Linear(5, 4, a).weight.to_vector() == Linear(5, 4, b).weight.to_vector());
    }
}

TEST_CASE("nn layers: Conv2d shapes and errors") {
    Generator gen(2);
    Conv2d conv(3, 5, 3, gen, 2, 1);
    CHECK(conv(Tensor::zeros({2, 3, 9, 9})).shape() == Shape{2, 5, 5, 5});   // (9 + 2 - 3)/2 + 1 = 5
    Conv2d nb(3, 5, 1, gen, 1, 0, false);
    CHECK(nb.num_parameters() == 15);
    CHECK_THROWS_WITH_AS(conv(Tensor::zeros({2, 4, 9, 9})),
                         doctest::Contains("Conv2d(3, 5): input must be (N,3,H,W), got [2, 4, 9, 9]"), ShapeError);
}

TEST_CASE("nn layers: BatchNorm running statistics and modes") {
    BatchNorm1d bn(2);
    CHECK(bn.named_parameters().size() == 2);
    auto buffers = bn.named_buffers();
    REQUIRE(buffers.size() == 3);
    CHECK(buffers[0].first == "running_mean");
    CHECK(buffers[2].first == "num_batches_tracked");
    // x = [[1, 10], [3, 30]]: channel 0 mean 2, biased var 1, unbiased var 2; channel 1 mean 20,
    // biased var 100, unbiased 200. running_mean = 0.9*0 + 0.1*mean; running_var = 0.9*1 + 0.1*unbiased.
    Tensor x = Tensor::from_vector({1, 10, 3, 30}, {2, 2});
    Tensor y = bn(x);
    CHECK(y.at({0, 0}) == doctest::Approx(-1.0 / std::sqrt(1.0 + 1e-5)));
    CHECK(y.at({1, 1}) == doctest::Approx(10.0 / std::sqrt(100.0 + 1e-5)));
    CHECK(bn.running_mean.at({0}) == doctest::Approx(0.2));
    CHECK(bn.running_mean.at({1}) == doctest::Approx(2.0));
    CHECK(bn.running_var.at({0}) == doctest::Approx(1.1));
    CHECK(bn.running_var.at({1}) == doctest::Approx(20.9));
    CHECK(bn.num_batches_tracked.item() == 1.f);
    SUBCASE("eval uses the running statistics and does not count") {
        bn.eval();
        Tensor e = bn(Tensor::from_vector({1.2f, 2.0f}, {1, 2}));   // batch of one works in eval
        CHECK(e.at({0, 0}) == doctest::Approx((1.2 - 0.2) / std::sqrt(1.1 + 1e-5)));
        CHECK(e.at({0, 1}) == doctest::Approx(0.0));
        CHECK(bn.num_batches_tracked.item() == 1.f);
    }
    SUBCASE("BatchNorm2d wants (N,C,H,W)") {
        BatchNorm2d bn2(3);
        CHECK(bn2(Tensor::ones({2, 3, 2, 2})).shape() == Shape{2, 3, 2, 2});
        CHECK_THROWS_WITH_AS(bn2(Tensor::ones({2, 3})), doctest::Contains("BatchNorm2d(3): input must be (N,3,H,W), got [2, 3]"),
                             ShapeError);
    }
}

TEST_CASE("nn layers: activations, pooling and the small layers") {
    Tensor x = Tensor::from_vector({-2, -0.5f, 0.5f, 2}, {1, 1, 2, 2});
    CHECK(ReLU()(x).to_vector() == std::vector<float>{0, 0, 0.5f, 2});
    CHECK(LeakyReLU(0.1f)(x).to_vector()[0] == doctest::Approx(-0.2));
    CHECK(Sigmoid()(x).to_vector()[3] == doctest::Approx(1.0 / (1.0 + std::exp(-2.0))));
    CHECK(Tanh()(x).to_vector()[0] == doctest::Approx(std::tanh(-2.0)));
    CHECK(MaxPool2d(2)(x).to_vector() == std::vector<float>{2});
    CHECK(AvgPool2d(2)(x).item() == doctest::Approx(0.0));
    CHECK(GlobalAvgPool2d()(x).shape() == Shape{1, 1});
    CHECK(Flatten()(x).shape() == Shape{1, 4});
    CHECK(Identity()(x).same(x));
    // Normalize: (3, 4) / 5
    Tensor n = Normalize()(Tensor::from_vector({3, 4}, {1, 2}));
    CHECK(n.to_vector()[0] == doctest::Approx(0.6));
    CHECK(n.to_vector()[1] == doctest::Approx(0.8));
    SUBCASE("Dropout: zeros about p of the values and scales the rest by 1/(1-p); identity in eval") {
        Dropout d(0.25f, 5);
        Tensor y = d(Tensor::ones({1000}));
        int zeros = 0;
        for (float v : y.to_vector()) {
            if (v == 0.f) ++zeros;
            else CHECK(v == doctest::Approx(1.0 / 0.75));
        }
        CHECK(zeros > 200);
        CHECK(zeros < 300);
        d.eval();
        CHECK(d(Tensor::ones({10})).to_vector() == std::vector<float>(10, 1.f));
        CHECK_THROWS_WITH_AS(Dropout(1.f), doctest::Contains("Dropout: p must be in [0, 1), got 1"), ValueError);
    }
}

TEST_CASE("nn layers: gradient check through Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear") {
    Generator gen(11);
    auto conv = std::make_shared<Conv2d>(2, 3, 3, gen, 1, 1);
    auto bn = std::make_shared<BatchNorm2d>(3);
    auto fc = std::make_shared<Linear>(3 * 2 * 2, 2, gen);
    Sequential net{conv, bn, std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2), std::make_shared<Flatten>(), fc};
    Tensor x = Tensor::randn({2, 2, 4, 4}, gen);
    // Rebind the layers' parameters to gradcheck's leaf copies, so the check covers the parameters'
    // gradients as well as the input's. Random inputs keep values away from ReLU's kink and from
    // max-pool ties with high probability; the seed is fixed.
    auto fn = [&](const std::vector<Tensor>& in) {
        conv->weight = in[1];
        conv->bias = in[2];
        bn->weight = in[3];
        bn->bias = in[4];
        fc->weight = in[5];
        fc->bias = in[6];
        return net(in[0]);
    };
    GradcheckOptions opt;
    opt.eps = 1e-3;
    opt.atol = 2e-3;
    GradcheckResult r = gradcheck(fn, {x, conv->weight, conv->bias, bn->weight, bn->bias, fc->weight, fc->bias}, opt);
    CHECK_MESSAGE(r.ok, r.message());
}

TEST_CASE("nn layers: Sequential runs BatchNorm + ReLU as one fused op while a graph is recorded") {
    Generator gen(12);
    auto bn = std::make_shared<BatchNorm2d>(3);
    bn->weight = Tensor::randn({3}, gen).requires_grad_();
    bn->bias = Tensor::randn({3}, gen).requires_grad_();
    Sequential net{bn, std::make_shared<ReLU>()};
    Tensor x = Tensor::randn({4, 3, 2, 2}, gen);
    Tensor xa = x.clone().requires_grad_(), xb = x.clone().requires_grad_();
    Tensor fused = net(xa);
    CHECK(to_dot(fused).find("batch_norm_relu") != std::string::npos);
    // the same layers called one at a time: batch_norm then relu, two nodes
    Tensor separate = relu((*bn)(xb));
    CHECK(to_dot(separate).find("batch_norm_relu") == std::string::npos);
    REQUIRE(fused.shape() == separate.shape());
    for (int64_t i = 0; i < fused.numel(); ++i) CHECK(fused.data()[i] == doctest::Approx(separate.data()[i]).epsilon(1e-6));
    Tensor dy = Tensor::randn(fused.shape(), gen);
    fused.backward(dy);
    separate.backward(dy);
    for (int64_t i = 0; i < x.numel(); ++i)
        CHECK(xa.grad().data()[i] == doctest::Approx(xb.grad().data()[i]).epsilon(1e-5).scale(1e-6));
    CHECK(bn->num_batches_tracked.item() == 2.f);   // both calls counted one batch each
    // Without a graph (evaluation, summary) the layers run one by one and a summary lists both
    const std::string s = net.summary({2, 3, 2, 2});
    CHECK(s.find("BatchNorm2d") != std::string::npos);
    CHECK(s.find("ReLU") != std::string::npos);
}

TEST_CASE("nn layers: Sequential runs BatchNorm2d + ReLU + MaxPool2d(2) as one fused op") {
    Generator gen(13);
    auto bn = std::make_shared<BatchNorm2d>(2);
    bn->bias = Tensor::randn({2}, gen).requires_grad_();
    Sequential net{bn, std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2), std::make_shared<Flatten>()};
    Tensor x = Tensor::randn({3, 2, 4, 4}, gen);
    Tensor xa = x.clone().requires_grad_(), xb = x.clone().requires_grad_();
    Tensor fused = net(xa);
    CHECK(to_dot(fused).find("batch_norm_relu_max_pool2x2") != std::string::npos);
    Tensor separate = flatten(max_pool2d(relu((*bn)(xb)), 2));
    REQUIRE(fused.shape() == Shape{3, 8});
    REQUIRE(separate.shape() == Shape{3, 8});
    for (int64_t i = 0; i < fused.numel(); ++i) CHECK(fused.data()[i] == doctest::Approx(separate.data()[i]).epsilon(1e-6));
    Tensor dy = Tensor::randn(fused.shape(), gen);
    fused.backward(dy);
    separate.backward(dy);
    for (int64_t i = 0; i < x.numel(); ++i)
        CHECK(xa.grad().data()[i] == doctest::Approx(xb.grad().data()[i]).epsilon(1e-5).scale(1e-6));
    // a pool of another size is left to its own layer: BatchNorm + ReLU fuse, the pool runs alone
    Sequential other{std::make_shared<BatchNorm2d>(2), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(3, 1)};
    const std::string dot = to_dot(other(x.clone().requires_grad_()));
    CHECK(dot.find("batch_norm_relu") != std::string::npos);
    CHECK(dot.find("max_pool2d") != std::string::npos);
}

TEST_CASE("nn layers: Sequential runs Conv2d + ReLU + MaxPool2d(2) and ReLU + MaxPool2d(2) fused") {
    // E1's blocks: the conv adds no bias, relu_max_pool2x2 adds it and reduces its gradient
    Generator gen(14);
    auto conv = std::make_shared<Conv2d>(2, 3, 3, gen, 1, 1);
    Sequential net{conv, std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2), std::make_shared<ReLU>(),
                   std::make_shared<MaxPool2d>(2, 2)};
    Tensor x = Tensor::randn({2, 2, 9, 8}, gen);
    Tensor xa = x.clone().requires_grad_(), xb = x.clone().requires_grad_();
    Tensor fused = net(xa);
    const std::string dot = to_dot(fused);
    CHECK(dot.find("relu_max_pool2x2") != std::string::npos);
    CHECK(dot.find("\"relu\\n") == std::string::npos);   // no separate relu node is left
    CHECK(dot.find("max_pool2d") == std::string::npos);
    REQUIRE(fused.shape() == Shape{2, 3, 2, 2});
    Tensor separate = max_pool2d(relu(max_pool2d(relu(conv2d(xb, conv->weight, conv->bias, 1, 1)), 2)), 2);
    REQUIRE(separate.shape() == fused.shape());
    for (int64_t i = 0; i < fused.numel(); ++i) CHECK(fused.data()[i] == doctest::Approx(separate.data()[i]).epsilon(1e-5));
    Tensor dy = Tensor::randn(fused.shape(), gen);
    fused.backward(dy);
    const std::vector<float> dw_fused = conv->weight.grad().to_vector(), db_fused = conv->bias.grad().to_vector();
    conv->zero_grad();
    separate.backward(dy);
    for (int64_t i = 0; i < x.numel(); ++i)
        CHECK(xa.grad().data()[i] == doctest::Approx(xb.grad().data()[i]).epsilon(1e-5).scale(1e-6));
    for (size_t i = 0; i < dw_fused.size(); ++i)
        CHECK(dw_fused[i] == doctest::Approx(conv->weight.grad().data()[i]).epsilon(1e-5).scale(1e-6));
    for (size_t i = 0; i < db_fused.size(); ++i)
        CHECK(db_fused[i] == doctest::Approx(conv->bias.grad().data()[i]).epsilon(1e-5).scale(1e-6));
    // without a graph the layers run one by one, and a conv output too small to pool runs unfused
    CHECK(net.summary({2, 2, 9, 8}).find("MaxPool2d") != std::string::npos);
    Sequential small{std::make_shared<Conv2d>(1, 1, 3, gen), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2)};
    CHECK_THROWS_WITH_AS(small(Tensor::ones({1, 1, 3, 3}).requires_grad_()),
                         doctest::Contains("max_pool2d: kernel 2 larger than the input [1, 1, 1, 1]"), ShapeError);
}
