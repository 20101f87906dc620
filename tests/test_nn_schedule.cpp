// Learning-rate schedules: constant, step, cosine and SimCLR's linear warm-up then cosine, with
// values worked by hand. Run: ./build/tests -tc="*nn schedule*"
#include <doctest/doctest.h>

#include <cmath>

#include "nn/schedule.h"

using namespace ct;
using namespace ct::nn;

TEST_CASE("nn schedule: constant and step (StepLR)") {
    CHECK(LrSchedule::constant().lr(0.1f, 1000) == doctest::Approx(0.1));
    const LrSchedule s = LrSchedule::step(10, 0.5f);
    CHECK(s.lr(0.2f, 0) == doctest::Approx(0.2));
    CHECK(s.lr(0.2f, 9) == doctest::Approx(0.2));
    CHECK(s.lr(0.2f, 10) == doctest::Approx(0.1));    // one decay
    CHECK(s.lr(0.2f, 25) == doctest::Approx(0.05));   // floor(25/10) = 2: 0.2 * 0.25
}

TEST_CASE("nn schedule: cosine annealing (CosineAnnealingLR)") {
    const LrSchedule s = LrSchedule::cosine(100);
    CHECK(s.factor(0) == doctest::Approx(1.0));
    CHECK(s.factor(50) == doctest::Approx(0.5));                                  // (1 + cos(pi/2)) / 2
    CHECK(s.factor(25) == doctest::Approx((1 + std::cos(M_PI / 4)) / 2));       // 0.853553
    CHECK(s.factor(100) == doctest::Approx(0.0));
    CHECK(s.factor(150) == doctest::Approx(0.0));                                 // held after the end
    CHECK(LrSchedule::cosine(100, 0.1f).factor(50) == doctest::Approx(0.1 + 0.9 * 0.5));
}

TEST_CASE("nn schedule: linear warm-up then cosine (SimCLR)") {
    const LrSchedule s = LrSchedule::warmup_cosine(10, 110);
    CHECK(s.factor(0) == doctest::Approx(0.1));   // (0 + 1) / 10
    CHECK(s.factor(4) == doctest::Approx(0.5));
    CHECK(s.factor(9) == doctest::Approx(1.0));
    CHECK(s.factor(10) == doctest::Approx(1.0));  // cosine starts at its top
    CHECK(s.factor(60) == doctest::Approx(0.5));  // half of the 100 cosine steps
    CHECK(s.factor(110) == doctest::Approx(0.0));
    CHECK(LrSchedule::parse("warmup_cosine", 110, 10).factor(60) == doctest::Approx(0.5));
    CHECK_THROWS_WITH_AS(LrSchedule::parse("linear", 10), doctest::Contains("unknown schedule 'linear'"), ValueError);
    CHECK_THROWS_WITH_AS(LrSchedule::warmup_cosine(10, 10), doctest::Contains("need 0 <= warmup < total"), ValueError);
}

TEST_CASE("nn schedule: apply scales each group's initial lr") {
    Tensor a = Tensor::zeros({1}).requires_grad_(), b = Tensor::zeros({1}).requires_grad_();
    SGDOptions o;
    o.lr = 0.4f;
    SGD opt(std::vector<ParamGroup>{ParamGroup{{{"a", a}}}, ParamGroup{{{"b", b}}, 0.1f}}, o);
    LrSchedule::cosine(10).apply(opt, 5);
    CHECK(opt.param_groups()[0].lr == doctest::Approx(0.2));
    CHECK(opt.param_groups()[1].lr == doctest::Approx(0.05));
    CHECK(opt.param_groups()[1].initial_lr == doctest::Approx(0.1));
}
