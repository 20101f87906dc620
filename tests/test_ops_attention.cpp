// Tests of core/ops_attention.cpp: scaled_dot_product_attention against a double-loop reference,
// a value worked by hand, the key-padding mask (padded keys change nothing and get no gradient),
// and the shape errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "core/random.h"
#include "tests/test_helpers.h"

using namespace ct;
using ct::test::check_grad;
using ct::test::check_values;

namespace {
// The formula in double, one query at a time; padded keys (mask != 0) are skipped.
std::vector<double> reference(const Tensor& q, const Tensor& k, const Tensor& v, const std::vector<int>& padded) {
    const int64_t B = q.size(0), Lq = q.size(1), E = q.size(2), Lk = k.size(1), Ev = v.size(2);
    std::vector<double> out;
    for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < Lq; ++i) {
            std::vector<double> w(size_t(Lk), 0.0);
            double z = 0;
            for (int64_t j = 0; j < Lk; ++j) {
                if (!padded.empty() && padded[size_t(b * Lk + j)]) continue;
                double s = 0;
                for (int64_t e = 0; e < E; ++e) s += double(q.at({b, i, e})) * k.at({b, j, e});
                w[size_t(j)] = std::exp(s / std::sqrt(double(E)));
                z += w[size_t(j)];
            }
            for (int64_t c = 0; c < Ev; ++c) {
                double y = 0;
                for (int64_t j = 0; j < Lk; ++j) y += w[size_t(j)] / z * v.at({b, j, c});
                out.push_back(y);
            }
        }
    return out;
}
}  // namespace

TEST_CASE("scaled_dot_product_attention: a value by hand") {
    // q = [1, 0], keys [1, 0] and [0, 1]: scores [1/sqrt 2, 0] = [0.707107, 0];
    // weights e^0.707107 / (e^0.707107 + 1) = 2.028115 / 3.028115 = 0.669760 and 0.330240;
    // y = 0.669760 [1, 2] + 0.330240 [3, 4] = [1.660480, 2.660480]
    Tensor q = Tensor::from_vector({1, 0}, {1, 1, 2});
    Tensor k = Tensor::from_vector({1, 0, 0, 1}, {1, 2, 2});
    Tensor v = Tensor::from_vector({1, 2, 3, 4}, {1, 2, 2});
    check_values(scaled_dot_product_attention(q, k, v), {1.660480, 2.660480}, 1e-5);
    SUBCASE("the second key padded: all the weight on the first, y = v_1 exactly") {
        Tensor y = scaled_dot_product_attention(q, k, v, Tensor::from_vector({0, 1}, {1, 2}));
        CHECK(y.data()[0] == 1.f);
        CHECK(y.data()[1] == 2.f);
    }
}

TEST_CASE("scaled_dot_product_attention: against the double-loop formula, with and without a mask") {
    Generator g(3);
    Tensor q = Tensor::randn({2, 3, 4}, g), k = Tensor::randn({2, 5, 4}, g), v = Tensor::randn({2, 5, 3}, g);
    check_values(scaled_dot_product_attention(q, k, v), reference(q, k, v, {}), 1e-5);
    const std::vector<int> padded{0, 0, 0, 1, 1, 0, 1, 1, 1, 1};
    std::vector<float> m(padded.begin(), padded.end());
    check_values(scaled_dot_product_attention(q, k, v, Tensor::from_vector(m, {2, 5})), reference(q, k, v, padded), 1e-5);
}

TEST_CASE("scaled_dot_product_attention: a padded key changes no output and gets no gradient") {
    Generator g(4);
    Tensor q = Tensor::randn({2, 3, 4}, g), k = Tensor::randn({2, 4, 4}, g), v = Tensor::randn({2, 4, 2}, g);
    Tensor mask = Tensor::from_vector({0, 0, 1, 1, 0, 1, 0, 1}, {2, 4});   // keys 2, 3 of row 0; 1, 3 of row 1
    const std::vector<float> before = scaled_dot_product_attention(q, k, v, mask).to_vector();
    Tensor k2 = k.clone(), v2 = v.clone();
    for (int64_t e = 0; e < 4; ++e) k2.at({0, 2, e}) = 50.f, k2.at({1, 3, e}) = -70.f;   // large: would dominate
    for (int64_t e = 0; e < 2; ++e) v2.at({0, 3, e}) = 1e6f, v2.at({1, 1, e}) = -1e6f;
    CHECK(scaled_dot_product_attention(q, k2, v2, mask).to_vector() == before);   // bit for bit

    k2.requires_grad_();
    v2.requires_grad_();
    Tensor r = Tensor::randn({2, 3, 2}, g);
    sum(scaled_dot_product_attention(q, k2, v2, mask) * r).backward();
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t j = 0; j < 4; ++j) {
            const bool pad = mask.at({b, j}) != 0.f;
            float gk = 0, gv = 0;
            for (int64_t e = 0; e < 4; ++e) gk += std::fabs(k2.grad().at({b, j, e}));
            for (int64_t e = 0; e < 2; ++e) gv += std::fabs(v2.grad().at({b, j, e}));
            INFO("batch row " << b << " key " << j);
            if (pad) {
                CHECK(gk == 0.f);
                CHECK(gv == 0.f);
            } else {
                CHECK(gv > 0.f);
            }
        }
}

TEST_CASE("scaled_dot_product_attention: gradients with a mask, a batch of one, one key") {
    Generator g(5);
    const Tensor mask = Tensor::from_vector({0, 1, 0}, {1, 3});
    check_grad([&](const std::vector<Tensor>& x) { return scaled_dot_product_attention(x[0], x[1], x[2], mask); },
               {Tensor::randn({1, 2, 3}, g), Tensor::randn({1, 3, 3}, g), Tensor::randn({1, 3, 2}, g)});
    // one key: the weight is 1 whatever the scores, so y = v and dq = dk = 0
    Tensor q = Tensor::randn({1, 2, 3}, g).requires_grad_(), k = Tensor::randn({1, 1, 3}, g);
    Tensor v = Tensor::from_vector({7, 8}, {1, 1, 2});
    Tensor y = scaled_dot_product_attention(q, k, v);
    check_values(y, {7, 8, 7, 8});
    sum(y).backward();
    check_values(q.grad(), {0, 0, 0, 0, 0, 0});
}

TEST_CASE("scaled_dot_product_attention: errors name the op and the shapes") {
    Tensor q = Tensor::zeros({2, 3, 4}), k = Tensor::zeros({2, 5, 4}), v = Tensor::zeros({2, 5, 3});
    CHECK_THROWS_WITH_AS(scaled_dot_product_attention(Tensor::zeros({3, 4}), k, v),
                         doctest::Contains("scaled_dot_product_attention: q, k, v must be"), ShapeError);
    CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q, Tensor::zeros({2, 5, 3}), v),
                         doctest::Contains("scaled_dot_product_attention: q [2, 3, 4], k [2, 5, 3]"), ShapeError);
    CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q, k, Tensor::zeros({2, 4, 3})),
                         doctest::Contains("must be (B,Lq,E), (B,Lk,E), (B,Lk,Ev)"), ShapeError);
    CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q, k, v, Tensor::zeros({2, 4})),
                         doctest::Contains("key_padding_mask must be (B,Lk) = [2, 5], got [2, 4]"), ShapeError);
    CHECK_THROWS_WITH_AS(scaled_dot_product_attention(q, k, v, Tensor::from_vector({0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, {2, 5})),
                         doctest::Contains("every key of batch row 1 is padded"), ShapeError);
}
