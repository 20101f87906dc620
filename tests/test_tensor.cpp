// Tests of core/tensor.h: the handle semantics, factories, element access, printing and errors.
// Ops on tensors are tested in tests/test_ops_*.cpp; the graph machinery in tests/test_autograd.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/ops.h"
#include "core/random.h"
#include "core/tensor.h"

using namespace ct;

TEST_CASE("tensor: factories") {
    SUBCASE("empty, zeros, ones, full give the shape and the value") {
        Tensor e = Tensor::empty({2, 3});
        CHECK(e.shape() == Shape{2, 3});
        CHECK(e.numel() == 6);
        CHECK(e.dim() == 2);
        for (float v : Tensor::zeros({4}).to_vector()) CHECK(v == 0.f);
        for (float v : Tensor::ones({2, 2}).to_vector()) CHECK(v == 1.f);
        for (float v : Tensor::full({3, 1, 2}, -2.5f).to_vector()) CHECK(v == -2.5f);
    }
    SUBCASE("a scalar has shape [] and one element") {
        Tensor s = Tensor::scalar(3.f);
        CHECK(s.shape() == Shape{});
        CHECK(s.dim() == 0);
        CHECK(s.numel() == 1);
        CHECK(s.item() == 3.f);
    }
    SUBCASE("arange counts like Python's range, with a float step") {
        CHECK(Tensor::arange(4).to_vector() == std::vector<float>{0, 1, 2, 3});
        // [1, 2) by 0.25: 1, 1.25, 1.5, 1.75 (ceil((2-1)/0.25) = 4 values)
        CHECK(Tensor::arange(1.f, 2.f, 0.25f).to_vector() == std::vector<float>{1, 1.25f, 1.5f, 1.75f});
        CHECK(Tensor::arange(3.f, 0.f, -1.f).to_vector() == std::vector<float>{3, 2, 1});
        CHECK(Tensor::arange(0.f, 0.f).numel() == 0);
    }
    SUBCASE("eye has ones on the diagonal only") {
        Tensor i3 = Tensor::eye(3);
        CHECK(i3.to_vector() == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
    }
    SUBCASE("from_vector is row-major") {
        Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
        CHECK(t.at({0, 2}) == 3.f);
        CHECK(t.at({1, 0}) == 4.f);
        CHECK(Tensor::from_vector({7, 8}).shape() == Shape{2});
    }
    SUBCASE("random factories draw from the generator they are given") {
        Generator g1(5), g2(5);
        CHECK(Tensor::randn({10}, g1).to_vector() == Tensor::randn({10}, g2).to_vector());
        const std::vector<float> u = Tensor::uniform({1000}, -2.f, 3.f, g1).to_vector();
        CHECK(*std::min_element(u.begin(), u.end()) >= -2.f);
        CHECK(*std::max_element(u.begin(), u.end()) < 3.f);
        const std::vector<float> r = Tensor::rand({1000}, g1).to_vector();
        CHECK(*std::min_element(r.begin(), r.end()) >= 0.f);
        CHECK(*std::max_element(r.begin(), r.end()) < 1.f);
    }
}

TEST_CASE("tensor: handles share storage, clone copies") {
    Tensor a = Tensor::zeros({3});
    SUBCASE("copying the handle shares the data") {
        Tensor b = a;
        b.at({1}) = 5.f;
        CHECK(a.at({1}) == 5.f);
        CHECK(a.same(b));
    }
    SUBCASE("clone is an independent copy") {
        Tensor c = a.clone();
        c.at({1}) = 5.f;
        CHECK(a.at({1}) == 0.f);
        CHECK(!a.same(c));
    }
    SUBCASE("detach shares the data but not the graph") {
        Tensor x = Tensor::ones({3}).requires_grad_();
        Tensor d = (x * 2.f).detach();
        CHECK(!d.requires_grad());
        CHECK(d.is_leaf());
        Tensor xd = x.detach();
        xd.at({0}) = 9.f;
        CHECK(x.at({0}) == 9.f);
    }
    SUBCASE("copy_ overwrites in place and checks the size") {
        Tensor src = Tensor::from_vector({1, 2, 3});
        a.copy_(src);
        CHECK(a.to_vector() == std::vector<float>{1, 2, 3});
        CHECK_THROWS_WITH_AS(a.copy_(Tensor::ones({4})), doctest::Contains("copy_: source [4] does not match [3]"),
                             ShapeError);
    }
    SUBCASE("an undefined handle is not a tensor") {
        Tensor u;
        CHECK(!u.defined());
        CHECK(u.repr() == "tensor(undefined)");
        CHECK_THROWS_WITH_AS(u.shape(), doctest::Contains("undefined tensor"), ShapeError);
    }
}

TEST_CASE("tensor: item, at, size") {
    Tensor t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    SUBCASE("size accepts negative dimensions") {
        CHECK(t.size(0) == 2);
        CHECK(t.size(-1) == 3);
        CHECK_THROWS_WITH_AS(t.size(2), doctest::Contains("size: dimension 2 out of range for shape [2, 3]"),
                             ShapeError);
    }
    SUBCASE("item needs exactly one element") {
        CHECK(Tensor::full({1, 1}, 4.f).item() == 4.f);
        CHECK_THROWS_WITH_AS(t.item(), doctest::Contains("item: needs a one-element tensor, got shape [2, 3]"),
                             ShapeError);
    }
    SUBCASE("at checks the number of indices and their range") {
        CHECK(t.at({1, 2}) == 6.f);
        CHECK_THROWS_WITH_AS(t.at({1}), doctest::Contains("at: 1 indices for a tensor of shape [2, 3]"), ShapeError);
        CHECK_THROWS_WITH_AS(t.at({0, 3}), doctest::Contains("at: index 3 out of range for dimension 1"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(t.at({-1, 0}), doctest::Contains("at: index -1 out of range for dimension 0"),
                             ShapeError);
    }
}

TEST_CASE("tensor: factory errors name the problem") {
    CHECK_THROWS_WITH_AS(Tensor::empty({1, 2, 3, 4, 5, 6}),
                         doctest::Contains("at most 5 dimensions are supported, got [1, 2, 3, 4, 5, 6]"), ShapeError);
    CHECK_THROWS_WITH_AS(Tensor::zeros({2, -1}), doctest::Contains("negative size in shape [2, -1]"), ShapeError);
    CHECK_THROWS_WITH_AS(Tensor::from_vector({1, 2, 3}, {2, 2}),
                         doctest::Contains("from_vector: 3 values do not fill shape [2, 2]"), ShapeError);
    CHECK_THROWS_WITH_AS(Tensor::arange(0.f, 1.f, 0.f), doctest::Contains("arange: empty or infinite range"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(Tensor::arange(0.f, 1.f, -1.f), doctest::Contains("from 0 to 1 by -1"), ShapeError);
    CHECK(Tensor::empty({1, 1, 1, 1, 1}).dim() == 5);   // five dimensions are allowed
}

TEST_CASE("tensor: printing like PyTorch's repr") {
    SUBCASE("a matrix: 4 decimals, aligned columns, the shape") {
        Tensor t = Tensor::from_vector({1, 2.5f, -3, 4}, {2, 2});
        CHECK(t.repr() == "tensor([[ 1.0000,  2.5000],\n"
                          "        [-3.0000,  4.0000]], shape=[2, 2])");
    }
    SUBCASE("a scalar") {
        CHECK(Tensor::scalar(1.5f).repr() == "tensor(1.5000, shape=[])");
    }
    SUBCASE("3-d tensors separate their blocks with a blank line") {
        Tensor t = reshape(Tensor::arange(8), {2, 2, 2});
        CHECK(t.repr() == "tensor([[[0.0000, 1.0000],\n"
                          "         [2.0000, 3.0000]],\n"
                          "\n"
                          "        [[4.0000, 5.0000],\n"
                          "         [6.0000, 7.0000]]], shape=[2, 2, 2])");
    }
    SUBCASE("tiny or huge values switch to scientific notation") {
        CHECK(Tensor::from_vector({1e-5f, 2e-5f}).repr() == "tensor([1.0000e-05, 2.0000e-05], shape=[2])");
        CHECK(Tensor::from_vector({1e6f}).repr() == "tensor([1.0000e+06], shape=[1])");
    }
    SUBCASE("nan and inf print by name (right-aligned like every column; PyTorch does not pad them)") {
        CHECK(Tensor::from_vector({NAN, INFINITY, -INFINITY}).repr() == "tensor([ nan,  inf, -inf], shape=[3])");
    }
    SUBCASE("requires_grad and grad_fn are shown") {
        Tensor x = Tensor::ones({1}).requires_grad_();
        CHECK(x.repr() == "tensor([1.0000], shape=[1], requires_grad=True)");
        CHECK((x * 2.f).repr() == "tensor([2.0000], shape=[1], grad_fn=<mul_scalar>)");
    }
    SUBCASE("more than 1000 elements: the first and last three of each dimension, with '...'") {
        Tensor big = Tensor::arange(1001);
        const std::string s = big.repr();
        CHECK(s.find("0.0000,    1.0000,    2.0000, ...,  998.0000,  999.0000, 1000.0000]") != std::string::npos);
        CHECK(s.find("3.0000") == std::string::npos);   // elements 3..997 are left out
        Tensor m = reshape(Tensor::arange(2000), {40, 50});
        const std::string sm = m.repr();
        CHECK(sm.find("...,\n") != std::string::npos);              // rows 3..36 left out
        CHECK(sm.find("[1950.0000, 1951.0000, 1952.0000, ..., 1997.0000, 1998.0000, 1999.0000]]") !=
              std::string::npos);
        CHECK(sm.find("150.0000") == std::string::npos);   // row 3 starts at 150 and is left out
    }
    SUBCASE("exactly 1000 elements are printed in full") {
        const std::string s = Tensor::zeros({1000}).repr();
        CHECK(s.find("...") == std::string::npos);
    }
    SUBCASE("operator<< prints the repr, and shapes print as [a, b]") {
        std::ostringstream os;
        os << Tensor::ones({2}) << ' ' << Shape{3, 4};
        CHECK(os.str() == "tensor([1.0000, 1.0000], shape=[2]) [3, 4]");
        CHECK(to_string(Shape{}) == "[]");
        CHECK(numel_of({2, 3, 4}) == 24);
    }
}

TEST_CASE("tensor: requires_grad only on leaves") {
    Tensor x = Tensor::ones({2}).requires_grad_();
    CHECK(x.requires_grad());
    CHECK(x.is_leaf());
    Tensor y = exp(x);
    CHECK(!y.is_leaf());
    CHECK_THROWS_WITH_AS(y.requires_grad_(false),
                         doctest::Contains("only leaf tensors can change requires_grad (this one was computed by exp)"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(x.set_grad(Tensor::ones({3})),
                         doctest::Contains("set_grad: gradient [3] does not match tensor [2]"), ShapeError);
}
