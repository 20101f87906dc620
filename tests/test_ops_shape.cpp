// Tests of the shape ops of core/ops.h (core/ops_shape.cpp): reshape/view/flatten/(un)squeeze,
// transpose/permute, narrow/slice, cat/stack, index_select, gather, scatter_add, expand, diag.
// Each: the values by hand (what moves where), a gradient check, the error text.
#include <doctest/doctest.h>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "tests/test_helpers.h"
#include "core/random.h"

using namespace ct;
using ct::test::check_grad;
using ct::test::check_values;

namespace {
using V = std::vector<float>;
// [[0, 1, 2], [3, 4, 5]]
Tensor m23() { return reshape(Tensor::arange(6), {2, 3}); }
}  // namespace

TEST_CASE("reshape, view, flatten, unsqueeze, squeeze: same data, new shape") {
    SUBCASE("reshape shares storage and infers one -1") {
        Tensor x = Tensor::arange(6);
        Tensor y = reshape(x, {3, -1});
        CHECK(y.shape() == Shape{3, 2});
        CHECK(y.data() == x.data());   // no copy
        CHECK(view(x, {2, 3}).at({1, 0}) == 3.f);
        CHECK(reshape(Tensor::scalar(2), {1, 1}).shape() == Shape{1, 1});
    }
    SUBCASE("flatten keeps the dims outside [start, end]") {
        Tensor x = Tensor::zeros({2, 3, 4, 5});
        CHECK(flatten(x).shape() == Shape{2, 60});
        CHECK(flatten(x, 0).shape() == Shape{120});
        CHECK(flatten(x, 1, 2).shape() == Shape{2, 12, 5});
        CHECK(flatten(Tensor::scalar(1)).shape() == Shape{1});
    }
    SUBCASE("unsqueeze and squeeze add and remove a size-1 dim") {
        CHECK(unsqueeze(m23(), 0).shape() == Shape{1, 2, 3});
        CHECK(unsqueeze(m23(), -1).shape() == Shape{2, 3, 1});
        CHECK(squeeze(Tensor::zeros({2, 1, 3}), 1).shape() == Shape{2, 3});
    }
    SUBCASE("gradients") {
        Generator g(30);
        Tensor x = Tensor::randn({2, 3, 2}, g);
        check_grad([](const std::vector<Tensor>& in) { return reshape(in[0], {3, 4}); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return flatten(in[0]); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return unsqueeze(in[0], 1); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return squeeze(in[0], 0); }, {Tensor::randn({1, 3}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(reshape(m23(), {4, 2}), doctest::Contains("reshape: cannot view [2, 3] (6 elements) as [4, 2]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(reshape(m23(), {-1, 4}), doctest::Contains("reshape: cannot view [2, 3] (6 elements) as [-1, 4]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(reshape(m23(), {-1, -1}), doctest::Contains("reshape: more than one -1 in [-1, -1]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(squeeze(m23(), 0), doctest::Contains("squeeze: dimension 0 of [2, 3] is not 1"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(flatten(m23(), 1, 0), doctest::Contains("flatten: start_dim 1 after end_dim 0"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(unsqueeze(m23(), 4), doctest::Contains("unsqueeze: dimension 4 out of range"), ShapeError);
    }
}

TEST_CASE("transpose and permute: copies in the new order") {
    SUBCASE("forward by hand") {
        // [[0,1,2],[3,4,5]]^T = [[0,3],[1,4],[2,5]]
        Tensor t = transpose(m23(), 0, 1);
        CHECK(t.shape() == Shape{3, 2});
        CHECK(t.to_vector() == V{0, 3, 1, 4, 2, 5});
        // x:(2,3,4) = arange; permute(2,0,1) gives y[k,i,j] = x[i,j,k] = 12 i + 4 j + k
        Tensor x = reshape(Tensor::arange(24), {2, 3, 4});
        Tensor y = permute(x, {2, 0, 1});
        CHECK(y.shape() == Shape{4, 2, 3});
        CHECK(y.at({3, 1, 2}) == 12.f + 8.f + 3.f);
        CHECK(y.at({1, 0, 2}) == 9.f);
        CHECK(transpose(x, -1, 0).at({3, 2, 1}) == 12.f + 8.f + 3.f);
    }
    SUBCASE("gradients: a transposed gradient would fail the projected check") {
        Generator g(31);
        Tensor x = Tensor::randn({2, 3, 4}, g);
        check_grad([](const std::vector<Tensor>& in) { return transpose(in[0], 0, 2); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return permute(in[0], {1, 2, 0}); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return transpose(in[0], 0, 1); }, {Tensor::randn({1, 5}, g)});
    }
    SUBCASE("a 0-d tensor: permute({}) and transpose(0, -1) give it back, gradient included") {
        Tensor s = Tensor::scalar(2.f).requires_grad_();
        CHECK(permute(s, {}).item() == 2.f);
        Tensor t = transpose(s, 0, -1);
        CHECK(t.shape() == Shape{});
        t.backward();
        CHECK(s.grad().item() == 1.f);
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(permute(m23(), {0}), doctest::Contains("permute: 1 dims for a tensor of shape [2, 3]"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(permute(m23(), {1, 1}), doctest::Contains("permute: dimension 1 repeated"), ShapeError);
        CHECK_THROWS_WITH_AS(transpose(m23(), 0, 2), doctest::Contains("transpose: dimension 2 out of range"),
                             ShapeError);
    }
}

TEST_CASE("narrow and slice: a contiguous range along one dim") {
    // columns [1, 3) of [[0,1,2],[3,4,5]] = [[1,2],[4,5]]
    CHECK(narrow(m23(), 1, 1, 2).to_vector() == V{1, 2, 4, 5});
    CHECK(slice(m23(), 1, 1, 3).to_vector() == V{1, 2, 4, 5});
    CHECK(slice(m23(), 0, 1, 2).to_vector() == V{3, 4, 5});
    CHECK(narrow(m23(), -1, 0, 0).shape() == Shape{2, 0});
    Generator g(32);
    check_grad([](const std::vector<Tensor>& in) { return narrow(in[0], 1, 1, 2); }, {Tensor::randn({2, 4, 3}, g)});
    check_grad([](const std::vector<Tensor>& in) { return slice(in[0], 0, 2, 3); }, {Tensor::randn({3, 2}, g)});
    CHECK_THROWS_WITH_AS(narrow(m23(), 1, 2, 2), doctest::Contains("narrow: [2, 4) is outside dimension 1 of [2, 3]"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(slice(m23(), 0, 2, 1), doctest::Contains("slice: end 1 before start 2"), ShapeError);
}

TEST_CASE("cat and stack") {
    Tensor a = m23(), b = Tensor::full({2, 1}, 9.f);
    SUBCASE("cat joins along an existing dim") {
        CHECK(cat({a, b}, 1).to_vector() == V{0, 1, 2, 9, 3, 4, 5, 9});
        CHECK(cat({a, a}, 0).shape() == Shape{4, 3});
        CHECK(cat({a}, 0).to_vector() == a.to_vector());
    }
    SUBCASE("stack adds a new dim") {
        Tensor s = stack({Tensor::from_vector({1, 2}), Tensor::from_vector({3, 4})}, 1);
        CHECK(s.shape() == Shape{2, 2});
        CHECK(s.to_vector() == V{1, 3, 2, 4});
        CHECK(stack({a, a, a}).shape() == Shape{3, 2, 3});
    }
    SUBCASE("gradients: each input receives its own slab") {
        Generator g(33);
        check_grad([](const std::vector<Tensor>& in) { return cat({in[0], in[1], in[0]}, 1); },
                   {Tensor::randn({2, 3}, g), Tensor::randn({2, 1}, g)});
        check_grad([](const std::vector<Tensor>& in) { return stack({in[0], in[1]}, -1); },
                   {Tensor::randn({3}, g), Tensor::randn({3}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(cat({a, b}, 0),
                             doctest::Contains("cat: tensor 1 has shape [2, 1], incompatible with [2, 3] along dimension 0"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(cat({}, 0), doctest::Contains("cat: needs at least one tensor"), ShapeError);
        CHECK_THROWS_WITH_AS(stack({a, b}), doctest::Contains("stack: tensor 1 has shape [2, 1], tensor 0 [2, 3]"),
                             ShapeError);
    }
}

TEST_CASE("index_select, gather, scatter_add: moving values by integer indices") {
    SUBCASE("index_select picks whole slices, repeats allowed") {
        // rows [1, 0, 1] of [[0,1,2],[3,4,5]]
        CHECK(index_select(m23(), 0, {1, 0, 1}).to_vector() == V{3, 4, 5, 0, 1, 2, 3, 4, 5});
        CHECK(index_select(m23(), 1, {2}).to_vector() == V{2, 5});
        // a repeated index receives the sum of the gradients: row 1 is picked twice
        Tensor x = m23().requires_grad_();
        sum(index_select(x, 0, {1, 0, 1})).backward();
        CHECK(x.grad().to_vector() == V{1, 1, 1, 2, 2, 2});
    }
    SUBCASE("gather picks one element per position") {
        // along dim 1 with index [[2, 0], [1, 1]]: [[x02, x00], [x11, x11]] = [[2, 0], [4, 4]]
        CHECK(gather(m23(), 1, {2, 0, 1, 1}).to_vector() == V{2, 0, 4, 4});
        CHECK(gather(m23(), 1, {2, 0, 1, 1}).shape() == Shape{2, 2});
        // along dim 0 with index [[1, 0, 1]]: [x10, x01, x12] = [3, 1, 5]
        CHECK(gather(m23(), 0, {1, 0, 1}).to_vector() == V{3, 1, 5});
    }
    SUBCASE("scatter_add adds src into base at the indices (its adjoint)") {
        // base zeros (2,3); along dim 1, index [[0, 0], [2, 1]], src [[1, 2], [3, 4]]
        // row 0: position 0 gets 1 + 2; row 1: position 2 gets 3, position 1 gets 4
        Tensor y = scatter_add(Tensor::zeros({2, 3}), 1, {0, 0, 2, 1}, Tensor::from_vector({1, 2, 3, 4}, {2, 2}));
        CHECK(y.to_vector() == V{3, 0, 0, 0, 4, 3});
    }
    SUBCASE("gradients") {
        Generator g(34);
        Tensor x = Tensor::randn({3, 4}, g);
        check_grad([](const std::vector<Tensor>& in) { return index_select(in[0], 1, {3, 0, 3}); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return gather(in[0], 1, {0, 0, 2, 3, 1, 1}); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return gather(in[0], 0, {2, 0, 1, 2}); }, {x});
        check_grad([](const std::vector<Tensor>& in) { return scatter_add(in[0], 0, {1, 1, 0, 2, 1, 1, 0, 0}, in[1]); },
                   {x, Tensor::randn({2, 4}, g)});
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(index_select(m23(), 0, {2}),
                             doctest::Contains("index_select: index 2 out of range for dimension 0 of [2, 3]"), ShapeError);
        CHECK_THROWS_WITH_AS(gather(m23(), 1, {0, 1, 2}),
                             doctest::Contains("gather: 3 indices do not match shape [2, 3] outside dimension 1"), ShapeError);
        CHECK_THROWS_WITH_AS(gather(m23(), 1, {0, 3}), doctest::Contains("gather: index 3 out of range for dimension 1"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(scatter_add(Tensor::zeros({2, 3}), 1, {0, 1}, Tensor::ones({2, 2})),
                             doctest::Contains("scatter_add: src [2, 2] must be [2, 1] for base [2, 3]"), ShapeError);
    }
}

TEST_CASE("expand and broadcast_to: copies along size-1 dims") {
    // [[1], [2]] expanded to (2, 3): [[1,1,1],[2,2,2]]; (3) to (2, 3): the row twice
    CHECK(expand(Tensor::from_vector({1, 2}, {2, 1}), {2, 3}).to_vector() == V{1, 1, 1, 2, 2, 2});
    CHECK(broadcast_to(Tensor::from_vector({1, 2, 3}), {2, 3}).to_vector() == V{1, 2, 3, 1, 2, 3});
    // gradient: the sum over the copies. (2,1) -> (2,3): each element gets 3
    Tensor x = Tensor::ones({2, 1}).requires_grad_();
    sum(expand(x, {2, 3})).backward();
    CHECK(x.grad().to_vector() == V{3, 3});
    Generator g(35);
    check_grad([](const std::vector<Tensor>& in) { return expand(in[0], {2, 3, 4}); }, {Tensor::randn({3, 1}, g)});
    check_grad([](const std::vector<Tensor>& in) { return broadcast_to(in[0], {3, 2}); }, {Tensor::randn({}, g)});
    CHECK_THROWS_WITH_AS(expand(Tensor::ones({2}), {3}), doctest::Contains("expand: shapes [2] and [3] cannot be broadcast"),
                         ShapeError);
    CHECK_THROWS_WITH_AS(expand(Tensor::ones({2, 3}), {3}), doctest::Contains("expand: [2, 3] cannot be broadcast to [3]"),
                         ShapeError);
}

TEST_CASE("diag: vector to diagonal matrix and back") {
    CHECK(diag(Tensor::from_vector({1, 2})).to_vector() == V{1, 0, 0, 2});
    CHECK(diag(m23()).to_vector() == V{0, 4});   // (2,3): the min(2,3) = 2 diagonal elements
    Generator g(36);
    check_grad([](const std::vector<Tensor>& in) { return diag(in[0]); }, {Tensor::randn({3}, g)});
    check_grad([](const std::vector<Tensor>& in) { return diag(in[0]); }, {Tensor::randn({3, 2}, g)});
    CHECK_THROWS_WITH_AS(diag(Tensor::ones({2, 2, 2})), doctest::Contains("diag: needs a 1-d or 2-d tensor, got [2, 2, 2]"),
                         ShapeError);
}
