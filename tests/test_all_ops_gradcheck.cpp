// One table, one row per op declared in core/ops.h: its inputs, the call, and a gradient check that
// must pass. A second test reads core/ops.h and fails if an op has no row (a missing row is the
// first thing a reviewer looks for). Per-op tours with hand values are in tests/test_ops_*.cpp.
// Inputs keep away from kinks, each row says how: a central difference with step 0.01 that
// straddles relu's 0, a max tie or a clamp bound measures a slope that does not exist.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/random.h"
#include "tests/test_helpers.h"

using namespace ct;

namespace {

using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;

struct Row {
    const char* op;                               // the name declared in core/ops.h
    std::function<Inputs(Generator&)> inputs;     // seeded input generator
    Fn fn;
    double eps = GradcheckOptions{}.eps;          // the central-difference step, where a row needs its own
};

Tensor randn(Generator& g, const Shape& s) { return Tensor::randn(s, g); }
Tensor positive(Generator& g, const Shape& s) { return Tensor::uniform(s, 0.3f, 2.f, g); }   // log, sqrt, 1/x
// |x| in [0.2, 1.5] with a random sign: away from the kink at 0 of relu, abs, leaky_relu
Tensor nonzero(Generator& g, const Shape& s) {
    Tensor t = Tensor::uniform(s, 0.2f, 1.5f, g);
    for (int64_t i = 0; i < t.numel(); ++i) if (g.bernoulli(0.5f)) t.data()[i] = -t.data()[i];
    return t;
}
// x:(4,2,2,2), weight, bias for batch_norm_relu: the bias of each channel is minus the midpoint of
// the widest gap between consecutive w * xhat (computed in double from the formula), so every
// output is at least half that gap away from 0 and both sides of the kink are populated.
Inputs bn_relu_inputs(Generator& g) {
    Tensor x = Tensor::randn({4, 2, 2, 2}, g), w = Tensor::uniform({2}, 0.5f, 1.5f, g), b = Tensor::zeros({2});
    for (int64_t c = 0; c < 2; ++c) {
        std::vector<double> v;
        for (int64_t n = 0; n < 4; ++n)
            for (int64_t s = 0; s < 4; ++s) v.push_back(x.data()[(n * 2 + c) * 4 + s]);
        double mean = 0, var = 0;
        for (double a : v) mean += a / double(v.size());
        for (double a : v) var += (a - mean) * (a - mean) / double(v.size());
        for (double& a : v) a = (a - mean) / std::sqrt(var + 1e-5) * w.data()[c];
        std::sort(v.begin(), v.end());
        size_t widest = 1;
        for (size_t i = 2; i + 1 < v.size(); ++i)
            if (v[i] - v[i - 1] > v[widest] - v[widest - 1]) widest = i;
        b.data()[c] = float(-(v[widest] + v[widest - 1]) / 2);
    }
    return {x, w, b};
}
// distinct values 0.05 apart, shuffled: no ties for max/min/maximum/max_pool2d
Tensor distinct(Generator& g, const Shape& s, float offset = 0.f) {
    std::vector<float> v(size_t(numel_of(s)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.05f * float(i) - 1.f + offset;
    for (size_t i = v.size(); i-- > 1;) std::swap(v[i], v[size_t(g.randint(int64_t(i) + 1))]);
    return Tensor::from_vector(v, s);
}
// values in +-[0.2, 1.8] avoiding +-1 by 0.2: away from the clamp bounds -1 and 1 used below
Tensor off_bounds(Generator& g, const Shape& s) {
    Tensor t = nonzero(g, s);
    for (int64_t i = 0; i < t.numel(); ++i)
        if (std::fabs(std::fabs(t.data()[i]) - 1.f) < 0.2f) t.data()[i] *= 1.5f;
    return t;
}
const Tensor kMask = Tensor::from_vector({1, 0, 0, 1, 1, 0}, {2, 3});

// clang-format off
const std::vector<Row> kRows = {
    // ---- elementwise, binary with broadcasting (2,3) x (3) or (2,1) x (1,3)
    {"add",        [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {3})}; },      [](const Inputs& x) { return add(x[0], x[1]); }},
    {"sub",        [](Generator& g) { return Inputs{randn(g, {2, 1}), randn(g, {1, 3})}; },   [](const Inputs& x) { return sub(x[0], x[1]); }},
    {"mul",        [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {2, 1})}; },   [](const Inputs& x) { return mul(x[0], x[1]); }},
    // denominators in +-[0.2, 1.5], away from the pole at 0
    {"div",        [](Generator& g) { return Inputs{randn(g, {2, 3}), nonzero(g, {3})}; },    [](const Inputs& x) { return div(x[0], x[1]); }},
    // two disjoint grids 0.025 apart (offset by half a step): no ties
    {"maximum",    [](Generator& g) { return Inputs{distinct(g, {2, 3}), distinct(g, {3}, 0.025f)}; }, [](const Inputs& x) { return maximum(x[0], x[1]); }},
    {"minimum",    [](Generator& g) { return Inputs{distinct(g, {2, 3}), distinct(g, {3}, 0.025f)}; }, [](const Inputs& x) { return minimum(x[0], x[1]); }},
    {"add",        [](Generator& g) { return Inputs{randn(g, {4})}; },                        [](const Inputs& x) { return add(x[0], 1.5f); }},
    {"mul",        [](Generator& g) { return Inputs{randn(g, {4})}; },                        [](const Inputs& x) { return mul(x[0], -2.f); }},
    {"rsub",       [](Generator& g) { return Inputs{randn(g, {4})}; },                        [](const Inputs& x) { return rsub(3.f, x[0]); }},
    {"rdiv",       [](Generator& g) { return Inputs{nonzero(g, {4})}; },                      [](const Inputs& x) { return rdiv(2.f, x[0]); }},
    // ---- elementwise, unary
    {"neg",        [](Generator& g) { return Inputs{randn(g, {2, 2})}; },                     [](const Inputs& x) { return neg(x[0]); }},
    {"pow",        [](Generator& g) { return Inputs{positive(g, {2, 2})}; },                  [](const Inputs& x) { return pow(x[0], 2.5f); }},  // x > 0 for a fractional power
    {"exp",        [](Generator& g) { return Inputs{randn(g, {2, 2})}; },                     [](const Inputs& x) { return exp(x[0]); }},
    {"log",        [](Generator& g) { return Inputs{positive(g, {2, 2})}; },                  [](const Inputs& x) { return log(x[0]); }},
    {"sqrt",       [](Generator& g) { return Inputs{positive(g, {2, 2})}; },                  [](const Inputs& x) { return sqrt(x[0]); }},
    {"abs",        [](Generator& g) { return Inputs{nonzero(g, {2, 2})}; },                   [](const Inputs& x) { return abs(x[0]); }},
    {"square",     [](Generator& g) { return Inputs{randn(g, {2, 2})}; },                     [](const Inputs& x) { return square(x[0]); }},
    {"relu",       [](Generator& g) { return Inputs{nonzero(g, {2, 3})}; },                   [](const Inputs& x) { return relu(x[0]); }},
    {"leaky_relu", [](Generator& g) { return Inputs{nonzero(g, {2, 3})}; },                   [](const Inputs& x) { return leaky_relu(x[0], 0.1f); }},
    {"sigmoid",    [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return sigmoid(x[0]); }},
    {"log_sigmoid",[](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return log_sigmoid(x[0]); }},
    {"tanh",       [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return tanh(x[0]); }},
    {"gelu",       [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return gelu(x[0]); }},
    {"softplus",   [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return softplus(x[0]); }},
    {"clamp",      [](Generator& g) { return Inputs{off_bounds(g, {2, 4})}; },                [](const Inputs& x) { return clamp(x[0], -1.f, 1.f); }},
    {"clamp_min",  [](Generator& g) { return Inputs{off_bounds(g, {2, 4})}; },                [](const Inputs& x) { return clamp_min(x[0], 1.f); }},
    {"clamp_max",  [](Generator& g) { return Inputs{off_bounds(g, {2, 4})}; },                [](const Inputs& x) { return clamp_max(x[0], -1.f); }},
    {"where",      [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {3})}; },      [](const Inputs& x) { return where(kMask, x[0], x[1]); }},
    {"masked_fill",[](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return masked_fill(x[0], kMask, -4.f); }},
    // ---- operators (thin wrappers, checked anyway: a wrong overload would route to the wrong op)
    {"operator+",  [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {1, 3})}; },   [](const Inputs& x) { return x[0] + x[1] + 1.f + (2.f + x[0]); }},
    {"operator-",  [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {3})}; },      [](const Inputs& x) { return x[0] - x[1] - 1.f + (2.f - x[0]) + (-x[1]); }},
    {"operator*",  [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {3})}; },      [](const Inputs& x) { return x[0] * x[1] * 3.f + 0.5f * x[1]; }},
    {"operator/",  [](Generator& g) { return Inputs{randn(g, {2, 3}), nonzero(g, {3})}; },    [](const Inputs& x) { return x[0] / x[1] / 2.f + 1.f / x[1]; }},
    // ---- reductions
    {"sum",        [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return sum(x[0]); }},
    {"sum",        [](Generator& g) { return Inputs{randn(g, {2, 3, 2})}; },                  [](const Inputs& x) { return sum(x[0], 1, true); }},
    {"mean",       [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return mean(x[0]); }},
    {"mean",       [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return mean(x[0], -1); }},
    {"max",        [](Generator& g) { return Inputs{distinct(g, {3, 4})}; },                  [](const Inputs& x) { return max(x[0], 1).values; }},
    {"min",        [](Generator& g) { return Inputs{distinct(g, {3, 4})}; },                  [](const Inputs& x) { return min(x[0], 0, true).values; }},
    {"max",        [](Generator& g) { return Inputs{distinct(g, {3, 4})}; },                  [](const Inputs& x) { return max(x[0]); }},
    {"min",        [](Generator& g) { return Inputs{distinct(g, {3, 4})}; },                  [](const Inputs& x) { return min(x[0]); }},
    {"logsumexp",  [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return logsumexp(x[0], 1); }},
    {"var",        [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return var(x[0], 1); }},
    {"norm",       [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return norm(x[0], 1); }},  // |x| far from 0
    // ---- shape
    {"reshape",    [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return reshape(x[0], {3, -1}); }},
    {"view",       [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return view(x[0], {6}); }},
    {"flatten",    [](Generator& g) { return Inputs{randn(g, {2, 3, 2})}; },                  [](const Inputs& x) { return flatten(x[0]); }},
    {"unsqueeze",  [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return unsqueeze(x[0], 1); }},
    {"squeeze",    [](Generator& g) { return Inputs{randn(g, {2, 1, 3})}; },                  [](const Inputs& x) { return squeeze(x[0], 1); }},
    {"transpose",  [](Generator& g) { return Inputs{randn(g, {2, 3})}; },                     [](const Inputs& x) { return transpose(x[0], 0, 1); }},
    {"permute",    [](Generator& g) { return Inputs{randn(g, {2, 3, 4})}; },                  [](const Inputs& x) { return permute(x[0], {2, 0, 1}); }},
    {"narrow",     [](Generator& g) { return Inputs{randn(g, {2, 5})}; },                     [](const Inputs& x) { return narrow(x[0], 1, 1, 3); }},
    {"slice",      [](Generator& g) { return Inputs{randn(g, {4, 2})}; },                     [](const Inputs& x) { return slice(x[0], 0, 1, 3); }},
    {"cat",        [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {2, 2})}; },   [](const Inputs& x) { return cat({x[0], x[1]}, 1); }},
    {"stack",      [](Generator& g) { return Inputs{randn(g, {2, 3}), randn(g, {2, 3})}; },   [](const Inputs& x) { return stack({x[0], x[1]}, 1); }},
    {"index_select",[](Generator& g) { return Inputs{randn(g, {3, 4})}; },                    [](const Inputs& x) { return index_select(x[0], 0, {2, 0, 2}); }},
    {"gather",     [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return gather(x[0], 1, {3, 3, 0, 1, 2, 2}); }},
    {"scatter_add",[](Generator& g) { return Inputs{randn(g, {3, 4}), randn(g, {3, 2})}; },   [](const Inputs& x) { return scatter_add(x[0], 1, {1, 1, 0, 3, 2, 2}, x[1]); }},
    {"expand",     [](Generator& g) { return Inputs{randn(g, {2, 1})}; },                     [](const Inputs& x) { return expand(x[0], {3, 2, 4}); }},
    {"broadcast_to",[](Generator& g) { return Inputs{randn(g, {3})}; },                       [](const Inputs& x) { return broadcast_to(x[0], {2, 3}); }},
    {"diag",       [](Generator& g) { return Inputs{randn(g, {3})}; },                        [](const Inputs& x) { return diag(x[0]); }},
    {"diag",       [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return diag(x[0]); }},
    // ---- linear algebra
    {"matmul",     [](Generator& g) { return Inputs{randn(g, {3, 4}), randn(g, {2, 4})}; },   [](const Inputs& x) { return matmul(x[0], x[1], false, true); }},
    {"matmul",     [](Generator& g) { return Inputs{randn(g, {2, 3, 4}), randn(g, {2, 4, 2})}; }, [](const Inputs& x) { return matmul(x[0], x[1]); }},
    {"linear",     [](Generator& g) { return Inputs{randn(g, {3, 4}), randn(g, {2, 4}), randn(g, {2})}; }, [](const Inputs& x) { return linear(x[0], x[1], x[2]); }},
    // distinct random points: every distance is far above the clamp at 0
    {"pairwise_sq_dist",[](Generator& g) { return Inputs{randn(g, {3, 4}), randn(g, {2, 4})}; }, [](const Inputs& x) { return pairwise_sq_dist(x[0], x[1]); }},
    // ---- convolution and pooling
    {"conv2d",     [](Generator& g) { return Inputs{randn(g, {2, 2, 5, 4}), randn(g, {3, 2, 3, 3}), randn(g, {3})}; },
                   [](const Inputs& x) { return conv2d(x[0], x[1], x[2], 2, 1); }},
    // stride 1, 3x3, forced onto the Winograd path (core/conv_winograd.cpp); the row above is im2col's
    {"conv2d",     [](Generator& g) { return Inputs{randn(g, {2, 2, 5, 4}), randn(g, {3, 2, 3, 3}), randn(g, {3})}; },
                   [](const Inputs& x) { const test::ScopedEnv p("CONTRAST_CONV", "winograd"); return conv2d(x[0], x[1], x[2], 1, 1); }},
    // stride 1, 5x5, padding 2 (E1's), forced onto Winograd F(2x2,5x5) (core/conv_winograd5.cpp). Its
    // float32 rounding (~5 sqrt(n) eps) over a step of 1e-2 left 3e-3 of noise in one weight's
    // difference quotient (analytic 0.0781 against 0.0754; the analytic one agrees with a float64
    // direct convolution in tests/test_conv_winograd.cpp). conv2d is linear in each input, so the
    // central difference is exact at any step: 0.1 divides the noise by 10.
    {"conv2d",     [](Generator& g) { return Inputs{randn(g, {2, 2, 5, 6}), randn(g, {3, 2, 5, 5}), randn(g, {3})}; },
                   [](const Inputs& x) { const test::ScopedEnv p("CONTRAST_CONV", "winograd"); return conv2d(x[0], x[1], x[2], 1, 2); },
                   0.1},
    // stride 1, 3x3, forced onto Winograd F(4x4,3x3) (core/conv_winograd43.cpp): a tile and a half each
    // way; it rounds like F(2x2,5x5), hence the same step
    {"conv2d",     [](Generator& g) { return Inputs{randn(g, {2, 2, 6, 7}), randn(g, {3, 2, 3, 3}), randn(g, {3})}; },
                   [](const Inputs& x) { const test::ScopedEnv p("CONTRAST_CONV", "winograd4x4"); return conv2d(x[0], x[1], x[2], 1, 1); },
                   0.1},
    {"max_pool2d", [](Generator& g) { return Inputs{distinct(g, {1, 2, 4, 5})}; },            [](const Inputs& x) { return max_pool2d(x[0], 2, 2, 1); }},
    // a 1x1 conv of distinct values 0.05 apart: w*x + b lies >= 0.03 from relu's kink, and from any
    // other value of its window, for every step of 0.01 in one input (the per-image path: N 2, C 1)
    {"conv2d_relu_max_pool2x2", [](Generator& g) { return Inputs{distinct(g, {2, 1, 4, 4}), Tensor::from_vector({1.5f, -1.2f}, {2, 1, 1, 1}),
                                                                 Tensor::from_vector({0.0375f, 0.03f})}; },
                   [](const Inputs& x) { return conv2d_relu_max_pool2x2(x[0], x[1], x[2]); }},
    // distinct values 0.05 apart and biases = 0.025 (mod 0.05): no x + b within 0.025 of relu's kink
    {"relu_max_pool2x2", [](Generator& g) { return Inputs{distinct(g, {2, 2, 4, 5}), Tensor::from_vector({0.025f, -0.275f})}; },
                   [](const Inputs& x) { return relu_max_pool2x2(x[0], x[1]); }},
    {"avg_pool2d", [](Generator& g) { return Inputs{randn(g, {1, 2, 4, 5})}; },               [](const Inputs& x) { return avg_pool2d(x[0], 2, 1); }},
    {"adaptive_avg_pool2d",[](Generator& g) { return Inputs{randn(g, {2, 1, 4, 4})}; },       [](const Inputs& x) { return adaptive_avg_pool2d(x[0], 2); }},
    {"global_avg_pool2d",[](Generator& g) { return Inputs{randn(g, {2, 3, 2, 2})}; },         [](const Inputs& x) { return global_avg_pool2d(x[0]); }},
    // ---- normalisation and NN functions
    {"batch_norm", [](Generator& g) { return Inputs{randn(g, {4, 2, 2, 2}), randn(g, {2}), randn(g, {2})}; },
                   [](const Inputs& x) { return batch_norm(x[0], x[1], x[2], Tensor(), Tensor(), true); }},
    // each channel's bias puts 0 in the widest gap between its normalised values: no output sits
    // near relu's kink, and some of every channel are masked
    {"batch_norm_relu", [](Generator& g) { return bn_relu_inputs(g); },
                   [](const Inputs& x) { return batch_norm_relu(x[0], x[1], x[2], Tensor(), Tensor(), true); }},
    // the same inputs: each (2,2) plane pools to one output, its maximum unique with high probability
    {"batch_norm_relu_max_pool2x2", [](Generator& g) { return bn_relu_inputs(g); },
                   [](const Inputs& x) { return batch_norm_relu_max_pool2x2(x[0], x[1], x[2], Tensor(), Tensor(), true); }},
    // a fresh generator per call: the same mask for every evaluation of the difference quotient
    {"dropout",    [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { Generator mask(9); return dropout(x[0], 0.4f, true, mask); }},
    {"softmax",    [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return softmax(x[0], 1); }},
    {"log_softmax",[](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return log_softmax(x[0], 0); }},
    {"cross_entropy",[](Generator& g) { return Inputs{randn(g, {3, 4})}; },                   [](const Inputs& x) { return cross_entropy(x[0], {3, 0, 1}); }},
    {"normalize",  [](Generator& g) { return Inputs{randn(g, {3, 4})}; },                     [](const Inputs& x) { return normalize(x[0], 1); }},
    {"layer_norm", [](Generator& g) { return Inputs{randn(g, {2, 3, 4}), randn(g, {4}), randn(g, {4})}; },
                   [](const Inputs& x) { return layer_norm(x[0], x[1], x[2]); }},
    // repeated ids (1 and 4): their rows' gradients must add up
    {"embedding",  [](Generator& g) { return Inputs{randn(g, {5, 3})}; },                     [](const Inputs& x) { return embedding(x[0], {1, 4, 1, 0, 4, 4}, {2, 3}); }},
    // mean over the non-zero terms of relu(x): |x| >= 0.2, so the count is the same at x +- h
    {"reduce_losses",[](Generator& g) { return Inputs{nonzero(g, {6})}; },                     [](const Inputs& x) { return reduce_losses(relu(x[0]), Reduction::MeanNonZero); }},
    // batch row 0 pads its last key, row 1 its last two: the mask is a constant, not an input
    {"scaled_dot_product_attention",[](Generator& g) { return Inputs{randn(g, {2, 2, 3}), randn(g, {2, 3, 3}), randn(g, {2, 3, 2})}; },
                   [](const Inputs& x) { return scaled_dot_product_attention(x[0], x[1], x[2], Tensor::from_vector({0, 0, 1, 0, 1, 1}, {2, 3})); }},
    {"scaled_dot_product_attention",[](Generator& g) { return Inputs{randn(g, {1, 3, 2}), randn(g, {1, 2, 2}), randn(g, {1, 2, 4})}; },
                   [](const Inputs& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); }},
    // 3 pairs of rows in 4-D; not unit rows: the op's formula holds for any z
    {"paired_cross_entropy",[](Generator& g) { return Inputs{randn(g, {6, 4})}; },            [](const Inputs& x) { return paired_cross_entropy(x[0], 0.7f); }},
    // one rank here (tests/test_distributed.cpp runs 2); squared so backward sees a dy that varies
    {"all_gather", [](Generator& g) { return Inputs{randn(g, {3, 2, 2})}; },                  [](const Inputs& x) { return square(all_gather(x[0])); }},
};
// clang-format on

// Declared in core/ops.h but not differentiable: masks and indices. Each is checked to record no graph.
const std::set<std::string> kNotDifferentiable = {"gt", "lt", "ge", "le", "eq", "ne", "logical_not", "argmax"};

}  // namespace

TEST_CASE("all ops: gradient check of every row") {
    for (size_t i = 0; i < kRows.size(); ++i) {
        const Row& row = kRows[i];
        Generator g(1000 + i);
        GradcheckOptions options;
        options.eps = row.eps;
        const GradcheckResult r = gradcheck(row.fn, row.inputs(g), options);
        INFO("row " << i << " (" << row.op << "): " << r.message());
        CHECK(r.ok);
    }
}

TEST_CASE("all ops: the non-differentiable ops record no graph") {
    Tensor a = Tensor::from_vector({1, 2, 3}).requires_grad_(), b = Tensor::from_vector({2, 2, 2});
    for (const Tensor& m : {gt(a, b), lt(a, b), ge(a, b), le(a, b), eq(a, b), ne(a, b), gt(a, 1.f), lt(a, 1.f),
                            logical_not(a)}) {
        CHECK(!m.requires_grad());
        CHECK(m.grad_fn() == nullptr);
    }
    CHECK(argmax(a, 0) == std::vector<int64_t>{2});   // plain indices: nothing to differentiate
}

TEST_CASE("all ops: every op declared in core/ops.h has a row") {
    // The test runs from the repository root (make test does); __FILE__ is tests/<this file> there.
    std::string path = __FILE__;
    path = path.substr(0, path.rfind("tests/")) + "core/ops.h";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << ": run the tests from the repository root");
    // declarations start a line with their return type: "Tensor add(", "ValuesIndices max(",
    // "std::vector<int64_t> argmax(", "Tensor operator+("; the name runs up to the '('
    std::set<std::string> declared, covered(kNotDifferentiable);
    for (const Row& row : kRows) covered.insert(row.op);
    std::string line;
    while (std::getline(in, line)) {
        for (const std::string type : {"Tensor ", "ValuesIndices ", "std::vector<int64_t> "}) {
            if (line.rfind(type, 0) != 0) continue;
            const size_t open = line.find('(', type.size());
            if (open != std::string::npos) declared.insert(line.substr(type.size(), open - type.size()));
        }
    }
    CHECK(declared.size() > 60);   // the parse found the declarations
    for (const std::string& op : declared) {
        INFO("core/ops.h declares " << op << " but the table has no row for it");
        CHECK(covered.count(op) == 1);
    }
    for (const std::string& op : covered) {
        INFO("the table names " << op << ", which core/ops.h does not declare");
        CHECK(declared.count(op) == 1);
    }
}
