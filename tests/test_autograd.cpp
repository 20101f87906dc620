// Tests of core/autograd.h: how gradients flow (reuse sums, detach stops, no_grad records nothing),
// how they are kept (leaves accumulate, zero_grad drops), and that backward frees the graph: a
// loop of 100 training steps of a small conv net keeps its live memory flat.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "core/memory.h"
#include "core/ops.h"
#include "core/random.h"

using namespace ct;

TEST_CASE("autograd: a small graph by hand") {
    // y = sum(x * x + 3 x)  ->  dy/dx = 2x + 3:  x = [1, -2, 0.5] gives [5, -1, 4]
    Tensor x = Tensor::from_vector({1, -2, 0.5f}).requires_grad_();
    Tensor y = sum(x * x + 3.f * x);
    CHECK(y.item() == doctest::Approx(1 + 3 + 4 - 6 + 0.25 + 1.5));   // 3.75
    y.backward();
    CHECK(x.grad().to_vector() == std::vector<float>{5, -1, 4});
}

TEST_CASE("autograd: a tensor used several times gets the sum of its gradients") {
    SUBCASE("the same tensor on both sides of an op") {
        // y = sum(x * x): both inputs of mul are x, dy/dx = x + x = 2x
        Tensor x = Tensor::from_vector({3, -1}).requires_grad_();
        sum(mul(x, x)).backward();
        CHECK(x.grad().to_vector() == std::vector<float>{6, -2});
    }
    SUBCASE("a diamond: x feeds two branches that meet again") {
        // h = 2x;  y = sum(exp(h) + h^2).  dy/dx = 2 (e^h + 2h).  x = 0.5: h = 1, 2 (e + 2) = 9.43656
        Tensor x = Tensor::from_vector({0.5f}).requires_grad_();
        Tensor h = x * 2.f;
        sum(exp(h) + square(h)).backward();
        CHECK(x.grad().item() == doctest::Approx(2.0 * (2.718281828 + 2.0)).epsilon(1e-6));
    }
    SUBCASE("an intermediate used three times") {
        // h = x + 1; y = sum(h * h * h) = sum(h^3), dy/dx = 3 h^2: x = 1 -> 12
        Tensor x = Tensor::from_vector({1.f}).requires_grad_();
        Tensor h = x + 1.f;
        sum(h * h * h).backward();
        CHECK(x.grad().item() == doctest::Approx(12.f));
    }
}

TEST_CASE("autograd: leaves accumulate across backward calls; zero_grad drops the gradient") {
    Tensor w = Tensor::from_vector({2.f}).requires_grad_();
    sum(w * 3.f).backward();
    CHECK(w.grad().item() == 3.f);
    sum(w * 4.f).backward();   // a second graph: gradients add, as in PyTorch
    CHECK(w.grad().item() == 7.f);
    w.zero_grad();
    CHECK(!w.grad().defined());
    sum(w * 5.f).backward();
    CHECK(w.grad().item() == 5.f);
}

TEST_CASE("autograd: a fresh gradient that an op overwrites whole (Grads::get_whole) never shows old memory") {
    // reshape, relu and linear assign their inputs' fresh gradients (GEMM beta 0) instead of adding
    // to a zero-filled buffer. Blocks of each gradient's size, full of NaN, are freed first so that
    // the memory pool hands them out again: any element left unwritten would show.
    Tensor x = Tensor::from_vector({1, -2, 0.5f, 3, -1, 2}, {2, 3}).requires_grad_();
    Tensor w = Tensor::from_vector({1, 2, 3, -1, 0, 1}, {2, 3}).requires_grad_();
    for (const Shape& s : {Shape{2, 3}, Shape{6}, Shape{2, 2}}) {
        Tensor junk = Tensor::full(s, std::nanf(""));
        Tensor junk2 = Tensor::full(s, std::nanf(""));
    }
    // L = sum(linear(relu(reshape(x)), w) * [1 2; 3 4]):  dL/dh = g w with g = [1 2; 3 4],
    // dL/dx = dL/dh where x > 0 (relu), dL/dw = g^T relu(x)
    Tensor h = relu(reshape(reshape(x, {6}), {2, 3}));
    sum(linear(h, w) * Tensor::from_vector({1, 2, 3, 4}, {2, 2})).backward();
    // g w = [1*1+2*-1, 1*2+2*0, 1*3+2*1; 3*1+4*-1, 3*2+4*0, 3*3+4*1] = [-1 2 5; -1 6 13]
    CHECK(x.grad().to_vector() == std::vector<float>{-1, 0, 5, -1, 0, 13});
    // relu(x) = [1 0 .5; 3 0 2]; g^T relu(x) = [1*1+3*3, 0, 1*.5+3*2; 2*1+4*3, 0, 2*.5+4*2]
    CHECK(w.grad().to_vector() == std::vector<float>{10, 0, 6.5f, 14, 0, 9});
    // a second backward adds to the existing gradients
    sum(linear(relu(reshape(reshape(x, {6}), {2, 3})), w) * Tensor::from_vector({1, 2, 3, 4}, {2, 2})).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{-2, 0, 10, -2, 0, 26});
    CHECK(w.grad().to_vector() == std::vector<float>{20, 0, 13, 28, 0, 18});
}

TEST_CASE("autograd: NoGradGuard and requires_grad") {
    Tensor x = Tensor::ones({2}).requires_grad_();
    SUBCASE("ops on tensors that need no gradient record nothing") {
        Tensor c = Tensor::ones({2});
        Tensor y = exp(c) + c;
        CHECK(!y.requires_grad());
        CHECK(y.grad_fn() == nullptr);
    }
    SUBCASE("one input needing a gradient is enough to record") {
        Tensor y = Tensor::ones({2}) * x;
        CHECK(y.requires_grad());
        REQUIRE(y.grad_fn() != nullptr);
        CHECK(y.grad_fn()->name == "mul");
    }
    SUBCASE("under a guard nothing is recorded, and the previous mode comes back after it") {
        CHECK(grad_enabled());
        {
            NoGradGuard guard;
            CHECK(!grad_enabled());
            Tensor y = x * 2.f;
            CHECK(!y.requires_grad());
            CHECK(y.grad_fn() == nullptr);
            {
                NoGradGuard nested;
                CHECK(!grad_enabled());
            }
            CHECK(!grad_enabled());   // the inner guard restores "off", not "on"
        }
        CHECK(grad_enabled());
        CHECK((x * 2.f).requires_grad());
    }
    SUBCASE("backward of something computed under the guard is an error") {
        Tensor y;
        {
            NoGradGuard guard;
            y = sum(x * 2.f);
        }
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("backward: the tensor does not require a gradient"),
                             ShapeError);
    }
}

TEST_CASE("autograd: detach stops the gradient") {
    // y = sum(x * detach(x)): only the first factor is differentiated, dy/dx = detach(x) = x
    Tensor x = Tensor::from_vector({3, -2}).requires_grad_();
    sum(x * x.detach()).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{3, -2});   // not 2x
}

TEST_CASE("autograd: backward with an explicit grad_output") {
    // y = 2x + 1 (a vector); backward(g) gives x.grad = 2 g (the vector-Jacobian product)
    Tensor x = Tensor::from_vector({1, 2, 3}).requires_grad_();
    Tensor y = x * 2.f + 1.f;
    y.backward(Tensor::from_vector({1, -1, 0.5f}));
    CHECK(x.grad().to_vector() == std::vector<float>{2, -2, 1});
    SUBCASE("on a leaf, the gradient is grad_output itself") {
        Tensor w = Tensor::zeros({2}).requires_grad_();
        w.backward(Tensor::from_vector({4, 5}));
        CHECK(w.grad().to_vector() == std::vector<float>{4, 5});
    }
}

TEST_CASE("autograd: backward errors") {
    Tensor x = Tensor::ones({3}).requires_grad_();
    Tensor y = x * 2.f;
    CHECK_THROWS_WITH_AS(y.backward(),
                         doctest::Contains("backward: needs a one-element output or an explicit grad_output, got [3]"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(y.backward(Tensor::ones({2})),
                         doctest::Contains("backward: grad_output [2] must match the output [3]"), ShapeError);
}

TEST_CASE("autograd: only the branches that reach the output run backward") {
    Tensor x = Tensor::from_vector({1.f}).requires_grad_();
    Tensor w = Tensor::from_vector({2.f}).requires_grad_();
    Tensor unused = exp(w);   // recorded, but the loss below does not depend on it
    sum(x * 3.f).backward();
    CHECK(x.grad().item() == 3.f);
    CHECK(!w.grad().defined());
    CHECK(unused.grad_fn() != nullptr);   // that graph is untouched
}

TEST_CASE("autograd: backward releases the graph and its buffers") {
    Generator gen(4);
    Tensor x = Tensor::randn({64, 64}, gen).requires_grad_();
    SUBCASE("the nodes are gone after backward") {
        Tensor h = tanh(x);
        Tensor y = sum(h * h);
        std::weak_ptr<Node> y_node = y.grad_fn(), h_node = h.grad_fn();
        CHECK(!y_node.expired());
        y.backward();
        CHECK(y_node.expired());
        CHECK(h_node.expired());   // even though h itself is still alive
        CHECK(y.grad_fn() == nullptr);
    }
    SUBCASE("a second backward through a freed graph is an error, not a silent no-op") {
        Tensor y = sum(tanh(x));
        y.backward();
        const std::vector<float> first = x.grad().to_vector();
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("an earlier backward() already freed its graph"),
                             ShapeError);
        CHECK(x.grad().to_vector() == first);   // untouched
    }
    SUBCASE("intermediate buffers are freed: only the output and the leaf's gradient remain") {
        const int64_t base = memory_stats().live_bytes;   // x and everything outside this case
        Tensor y;
        {
            Tensor h = exp(x);                 // 16 KiB each, captured by the next ops' backward
            y = sum(square(h * 0.5f) + h);
        }
        CHECK(memory_stats().live_bytes > base + 3 * 16384);   // the graph holds the intermediates
        y.backward();
        // left: y (a scalar, the 256-byte class) and x.grad (64*64 floats = 16 KiB)
        CHECK(memory_stats().live_bytes == base + 256 + 16384);
    }
}

namespace {
// conv(1->4, 3x3, pad 1) -> relu -> max_pool 2 -> flatten -> linear(4*4*4 -> 3) -> cross_entropy
float train_step(const Tensor& x, const std::vector<int64_t>& labels, Tensor& w1, Tensor& b1, Tensor& w2,
                 Tensor& b2) {
    Tensor h = max_pool2d(relu(conv2d(x, w1, b1, 1, 1)), 2);
    Tensor loss = cross_entropy(linear(flatten(h), w2, b2), labels);
    loss.backward();
    NoGradGuard no_grad;   // the SGD step is not part of the graph
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
        p->copy_(*p - 0.1f * p->grad());
        p->zero_grad();
    }
    return loss.item();
}
}  // namespace

TEST_CASE("autograd: 100 training steps of a small conv net keep live memory flat") {
    Generator gen(5);
    Tensor x = Tensor::randn({8, 1, 8, 8}, gen);
    const std::vector<int64_t> labels{0, 1, 2, 0, 1, 2, 0, 1};
    Tensor w1 = (Tensor::randn({4, 1, 3, 3}, gen) * 0.3f).requires_grad_();
    Tensor b1 = Tensor::zeros({4}).requires_grad_();
    Tensor w2 = (Tensor::randn({3, 64}, gen) * 0.1f).requires_grad_();
    Tensor b2 = Tensor::zeros({3}).requires_grad_();
    const float first = train_step(x, labels, w1, b1, w2, b2);   // warm-up fills the cache
    const MemoryStats after_first = memory_stats();
    float last = first;
    int64_t max_live = 0;
    for (int step = 1; step < 100; ++step) {
        last = train_step(x, labels, w1, b1, w2, b2);
        max_live = std::max(max_live, memory_stats().live_bytes);
    }
    const MemoryStats end = memory_stats();
    CHECK(end.live_bytes == after_first.live_bytes);   // nothing leaks from step to step
    CHECK(max_live == after_first.live_bytes);
    CHECK(end.live_blocks == after_first.live_blocks);
    // the steps run from the cache: almost every request after the warm-up is a hit
    CHECK(double(end.cache_hits - after_first.cache_hits) >=
          0.99 * double(end.allocations - after_first.allocations));
    CHECK(last < 0.5f * first);   // and it did train: 8 fixed samples are memorised
}

TEST_CASE("autograd: to_dot draws the graph with op names and shapes") {
    Tensor x = Tensor::ones({2, 3}).requires_grad_();
    Tensor c = Tensor::ones({3});
    Tensor y = sum(relu(x * c));
    const std::string dot = to_dot(y);
    CHECK(dot.rfind("digraph autograd {", 0) == 0);
    CHECK(dot.find("mul\\n[2, 3]") != std::string::npos);
    CHECK(dot.find("relu\\n[2, 3]") != std::string::npos);
    CHECK(dot.find("sum\\n[]") != std::string::npos);
    CHECK(dot.find("leaf\\n[2, 3]") != std::string::npos);       // x
    CHECK(dot.find("constant\\n[3]") != std::string::npos);      // c
    CHECK(dot.find("t1 -> t0;") != std::string::npos);           // relu feeds sum (the root, t0)
    CHECK(dot.substr(dot.size() - 2) == "}\n");
}
