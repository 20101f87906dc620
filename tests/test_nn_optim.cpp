// Optimizers: the first three steps of SGD (momentum, Nesterov, weight decay, parameter groups),
// Adam and AdamW against PyTorch, LARS against a double-precision loop over its equations,
// gradient clipping, state save/load, and a small MLP that learns a toy problem.
// Run: ./build/tests -tc="*nn optim*"
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "nn/models.h"
#include "nn/optim.h"

using namespace ct;
using namespace ct::nn;

namespace {
// The fixed problem: w (2,2), b (2);  L = 0.5 * sum(cw * w^2) + sum((b - 1)^2).
struct Problem {
    Tensor w = Tensor::from_vector({0.5f, -1.f, 1.5f, 2.f}, {2, 2}).requires_grad_();
    Tensor b = Tensor::from_vector({0.1f, -0.2f}).requires_grad_();
    Tensor cw = Tensor::from_vector({1.f, 2.f, 0.5f, 3.f}, {2, 2});
    NamedTensors named() const { return {{"w", w}, {"b", b}}; }
    void backward() const { (0.5f * sum(cw * square(w)) + sum(square(b - 1.f))).backward(); }
    std::vector<float> values() const {
        std::vector<float> v = w.to_vector();
        for (float x : b.to_vector()) v.push_back(x);
        return v;
    }
};

// Three steps; each row of `expected` is (w, b) after that step.
void check_three_steps(Problem& pr, Optimizer& opt, const std::vector<std::vector<float>>& expected) {
    for (size_t s = 0; s < 3; ++s) {
        opt.zero_grad();
        pr.backward();
        opt.step();
        const auto v = pr.values();
        for (size_t i = 0; i < v.size(); ++i) {
            INFO("step " << s + 1 << " value " << i);
            CHECK(v[i] == doctest::Approx(expected[s][i]).epsilon(1e-5));
        }
    }
}
}  // namespace

// Expected values from PyTorch 1.13 (/usr/bin/python3), the same problem:
//   w = torch.tensor([[0.5,-1.],[1.5,2.]], requires_grad=True); b = torch.tensor([0.1,-0.2], requires_grad=True)
//   cw = torch.tensor([[1.,2.],[0.5,3.]]); for 3 steps: opt.zero_grad();
//   (0.5*(w*w*cw).sum() + ((b-1)**2).sum()).backward(); opt.step(); print(w.flatten().tolist() + b.tolist())
TEST_CASE("nn optim: SGD with momentum and weight decay (torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01))") {
    Problem pr;
    SGDOptions o;
    o.lr = 0.1f, o.momentum = 0.9f, o.weight_decay = 0.01f;
    SGD opt(pr.named(), o);
    check_three_steps(pr, opt, {{0.449499995f, -0.799000025f, 1.42349994f, 1.398f, 0.279899985f, 0.0402000211f},
                                {0.358650506f, -0.457501024f, 1.28205144f, 0.435401946f, 0.58555007f, 0.448299855f},
                                {0.240662262f, -0.0581942201f, 1.08936322f, -0.561992347f, 0.942939579f, 0.925481439f}});
    CHECK(opt.state_tensors().size() == 2);
    CHECK(opt.state_tensors()[0].first == "optimizer.b.momentum_buffer");
}

TEST_CASE("nn optim: SGD Nesterov (nesterov=True, lr=0.1, momentum=0.9, weight_decay=0.01)") {
    Problem pr;
    SGDOptions o;
    o.lr = 0.1f, o.momentum = 0.9f, o.weight_decay = 0.01f, o.nesterov = true;
    SGD opt(pr.named(), o);
    check_three_steps(pr, opt, {{0.404049993f, -0.618099988f, 1.35465002f, 0.856200039f, 0.441809982f, 0.256380051f},
                                {0.285607815f, -0.219237626f, 1.16141939f, -0.121080786f, 0.79880172f, 0.733030558f},
                                {0.160929859f, 0.111651078f, 0.93714875f, -0.699442804f, 1.09495533f, 1.12845075f}});
    o.dampening = 0.1f;
    CHECK_THROWS_WITH_AS(SGD(pr.named(), o), doctest::Contains("Nesterov needs momentum > 0 and dampening 0"), ValueError);
}

TEST_CASE("nn optim: parameter groups with their own lr and weight decay") {
    // torch.optim.SGD([{"params": [w], "weight_decay": 0.1}, {"params": [b], "lr": 0.5}], lr=0.1)
    Problem pr;
    std::vector<ParamGroup> groups{ParamGroup{{{"w", pr.w}}, -1.f, 0.1f}, ParamGroup{{{"b", pr.b}}, 0.5f}};
    SGDOptions o;
    o.lr = 0.1f;
    SGD opt(groups, o);
    CHECK(opt.param_groups()[0].lr == 0.1f);
    CHECK(opt.param_groups()[1].weight_decay == 0.f);
    check_three_steps(pr, opt, {{0.444999993f, -0.790000021f, 1.40999997f, 1.38f, 1.f, 1.f},
                                {0.396050006f, -0.624100029f, 1.32539999f, 0.952199996f, 1.f, 1.f},
                                {0.352484494f, -0.493039012f, 1.24587595f, 0.657018006f, 1.f, 1.f}});
    CHECK_THROWS_WITH_AS(SGD(std::vector<ParamGroup>{ParamGroup{{{"w", pr.w}}}, ParamGroup{{{"w", pr.b}}}}, o),
                         doctest::Contains("parameter name 'w' appears twice"), ShapeError);
}

TEST_CASE("nn optim: Adam (lr=0.1, weight_decay=0.01) and AdamW (lr=0.1, weight_decay=0.1)") {
    Problem pr;
    AdamOptions o;
    o.lr = 0.1f, o.weight_decay = 0.01f;
    Adam adam(pr.named(), o);
    CHECK(adam.type_name() == "Adam");
    check_three_steps(pr, adam, {{0.400000006f, -0.899999976f, 1.39999998f, 1.89999998f, 0.199999988f, -0.100000009f},
                                 {0.301187426f, -0.800412178f, 1.30023909f, 1.80016649f, 0.299517453f, -0.000322632492f},
                                 {0.204871267f, -0.701586246f, 1.20090294f, 1.70062339f, 0.398130149f, 0.0987700745f}});
    CHECK(adam.state_tensors().size() == 6);   // exp_avg, exp_avg_sq, step for b and w
    CHECK(adam.state_tensors()[2].first == "optimizer.b.step");
    CHECK(adam.state_tensors()[2].second.item() == 3.f);

    Problem p2;
    o.weight_decay = 0.1f;
    AdamW adamw(p2.named(), o);
    CHECK(adamw.type_name() == "AdamW");
    check_three_steps(p2, adamw, {{0.395000011f, -0.890000045f, 1.38499999f, 1.88f, 0.199000001f, -0.0980000123f},
                                  {0.292338729f, -0.781571925f, 1.27143705f, 1.76140893f, 0.296538144f, 0.00265045464f},
                                  {0.193415612f, -0.67510128f, 1.15952015f, 1.64436865f, 0.392228127f, 0.10170275f}});
    CHECK(AdamW::defaults().weight_decay == 0.01f);
}

TEST_CASE("nn optim: LARS against its equations in double precision") {
    // SimCLR's LARS: w (rank 2) is adapted and decayed, b (rank 1) is not. A loop in double over
    // the equations of nn/optim_lars.cpp's header (grad of the Problem written out by hand):
    //   dL/dw = cw * w, dL/db = 2 (b - 1).
    Problem pr;
    LARSOptions o;
    o.lr = 0.5f, o.momentum = 0.9f, o.weight_decay = 0.1f, o.trust_coefficient = 0.02f;
    LARS opt(pr.named(), o);
    double w[4] = {0.5, -1, 1.5, 2}, b[2] = {0.1, -0.2}, cw[4] = {1, 2, 0.5, 3}, vw[4] = {}, vb[2] = {};
    for (int s = 0; s < 3; ++s) {
        double g[4], wn = 0, gn = 0;
        for (int i = 0; i < 4; ++i) {
            g[i] = cw[i] * w[i] + 0.1 * w[i];
            wn += w[i] * w[i];
            gn += g[i] * g[i];
        }
        const double trust = 0.02 * std::sqrt(wn) / std::sqrt(gn);
        for (int i = 0; i < 4; ++i) {
            vw[i] = 0.9 * vw[i] + 0.5 * trust * g[i];
            w[i] -= vw[i];
        }
        for (int i = 0; i < 2; ++i) {
            vb[i] = 0.9 * vb[i] + 0.5 * 2 * (b[i] - 1);   // excluded: trust 1, no weight decay
            b[i] -= vb[i];
        }
        opt.zero_grad();
        pr.backward();
        opt.step();
        const auto v = pr.values();
        for (int i = 0; i < 4; ++i) CHECK(v[size_t(i)] == doctest::Approx(w[i]).epsilon(1e-5));
        for (int i = 0; i < 2; ++i) CHECK(v[size_t(4 + i)] == doctest::Approx(b[i]).epsilon(1e-5));
    }
}

TEST_CASE("nn optim: clip_grad_norm scales all gradients by max_norm / total") {
    Tensor a = Tensor::zeros({2}).requires_grad_(), b = Tensor::zeros({1}).requires_grad_();
    a.set_grad(Tensor::from_vector({3, 0}));
    b.set_grad(Tensor::from_vector({4}));   // total norm sqrt(9 + 16) = 5
    CHECK(clip_grad_norm({a, b}, 10.f) == doctest::Approx(5.0));
    CHECK(a.grad().to_vector()[0] == 3.f);   // under the limit: untouched
    CHECK(clip_grad_norm({a, b}, 1.f) == doctest::Approx(5.0));
    CHECK(a.grad().to_vector()[0] == doctest::Approx(0.6));   // 3 * 1 / (5 + 1e-6)
    CHECK(b.grad().to_vector()[0] == doctest::Approx(0.8));
    CHECK_THROWS_WITH_AS(clip_grad_norm({a}, 0.f), doctest::Contains("max_norm must be positive"), ValueError);
}

TEST_CASE("nn optim: state tensors load back and are validated") {
    Problem pr;
    Adam a(pr.named(), AdamOptions{});
    pr.backward();
    a.step();
    Problem p2;
    Adam b(p2.named(), AdamOptions{});
    b.load_state_tensors(a.state_tensors());
    CHECK(b.state_tensors()[3].second.to_vector() == a.state_tensors()[3].second.to_vector());
    CHECK_THROWS_WITH_AS(b.load_state_tensors({{"optimizer.v.exp_avg", Tensor::zeros({2})}}, "run.safetensors"),
                         doctest::Contains("Adam: run.safetensors: 'optimizer.v.exp_avg' is not the state of any parameter"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(b.load_state_tensors({{"optimizer.w.exp_avg", Tensor::zeros({4})}}),
                         doctest::Contains("'optimizer.w.exp_avg' is [4] but the parameter needs [2, 2]"), ShapeError);
    CHECK(b.state_tensors().size() == 6);   // unchanged by the failed loads
}

TEST_CASE("nn optim: a small MLP learns two concentric rings (training smoke test)") {
    // 128 points: class 0 on radius 0.5, class 1 on radius 1.5, plus noise. Not linearly separable,
    // so the hidden layer must do the work. Adam, lr 0.01, 150 full-batch steps, seed 0: the
    // cross-entropy must fall at least 10x from its start (~0.69) and the accuracy reach 95%.
    Generator gen(0);
    const int64_t n = 128;
    std::vector<float> xy;
    std::vector<int64_t> label;
    for (int64_t i = 0; i < n; ++i) {
        const float r = (i % 2 ? 1.5f : 0.5f) + gen.normal(0.f, 0.05f), angle = gen.uniform(0.f, 6.2831853f);
        xy.push_back(r * std::cos(angle));
        xy.push_back(r * std::sin(angle));
        label.push_back(i % 2);
    }
    Tensor x = Tensor::from_vector(xy, {n, 2});
    auto mlp = make_mlp({2, 32, 32, 2}, gen);
    AdamOptions o;
    o.lr = 0.01f;
    Adam opt(mlp->named_parameters(), o);
    float first = 0, last = 0;
    for (int step = 0; step < 150; ++step) {
        opt.zero_grad();
        Tensor loss = cross_entropy((*mlp)(x), label);
        loss.backward();
        opt.step();
        if (step == 0) first = loss.item();
        last = loss.item();
    }
    CHECK(first > 0.5f);
    CHECK(last < first / 10);
    const auto pred = argmax((*mlp)(x), 1);
    int correct = 0;
    for (int64_t i = 0; i < n; ++i) correct += pred[size_t(i)] == label[size_t(i)];
    CHECK(correct >= 0.95 * n);
}
