// Elementwise ops. Each op states its forward formula and its derivatives in one call of the
// `binary` or `unary` kernel templates below; the templates handle broadcasting, threading and
// recording the backward. Lambdas are inlined: there is no per-element indirect call.
#include <cmath>

#include "core/broadcast.h"
#include "core/ops.h"

namespace ct {
using detail::broadcast_shapes;
using detail::broadcast_strides;
using detail::for_each_broadcast;

namespace {

void check_defined(const char* op, const Tensor& t) {
    CT_CHECK(t.defined(), op << ": got an undefined tensor");
}

// y = f(a, b) with broadcasting.  Backward: da += dfa(a, b, dy), db += dfb(a, b, dy).
template <class F, class DA, class DB>
Tensor binary(const char* name, const Tensor& a, const Tensor& b, F f, DA dfa, DB dfb) {
    check_defined(name, a);
    check_defined(name, b);
    const Shape out = broadcast_shapes(name, a.shape(), b.shape());
    Tensor y = Tensor::empty(out);
    const float *pa = a.data(), *pb = b.data();
    float* py = y.data();
    const bool same = a.shape() == out && b.shape() == out;
    if (same) {
        parallel_for(y.numel(), [=](int64_t s, int64_t e) {
            for (int64_t i = s; i < e; ++i) py[i] = f(pa[i], pb[i]);
        });
    } else {
        for_each_broadcast(out, broadcast_strides(a.shape(), out), broadcast_strides(b.shape(), out),
                           true, [=](int64_t i, int64_t ia, int64_t ib) { py[i] = f(pa[ia], pb[ib]); });
    }
    return record(name, y, {a, b}, [a, b, out, same, dfa, dfb](const float* dy, Grads& g) {
        const float *pa = a.data(), *pb = b.data();
        float *ga = g.get(0), *gb = g.get(1);
        if (same) {
            parallel_for(int64_t(numel_of(out)), [=](int64_t s, int64_t e) {
                for (int64_t i = s; i < e; ++i) {
                    if (ga) ga[i] += dfa(pa[i], pb[i], dy[i]);
                    if (gb) gb[i] += dfb(pa[i], pb[i], dy[i]);
                }
            });
            return;
        }
        const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
        // An input of the output's shape is written once per element and may run in parallel;
        // a broadcast input gathers several contributions per element, so it runs serially.
        if (ga) for_each_broadcast(out, sa, sb, a.shape() == out, [=](int64_t i, int64_t ia, int64_t ib) {
            ga[ia] += dfa(pa[ia], pb[ib], dy[i]);
        });
        if (gb) for_each_broadcast(out, sa, sb, b.shape() == out, [=](int64_t i, int64_t ia, int64_t ib) {
            gb[ib] += dfb(pa[ia], pb[ib], dy[i]);
        });
    });
}

// y = f(x).  Backward: dx += df(x, y, dy) (dx = when the gradient is fresh: no zero-fill pass).
template <class F, class DF>
Tensor unary(const char* name, const Tensor& x, F f, DF df) {
    check_defined(name, x);
    Tensor y = Tensor::empty(x.shape());
    const float* px = x.data();
    float* py = y.data();
    parallel_for(x.numel(), [=](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) py[i] = f(px[i]);
    });
    return record(name, y, {x}, [x, yd = y.detach(), df](const float* dy, Grads& g) {
        const Grads::Whole gx = g.get_whole(0);
        if (!gx.data) return;
        const float *px = x.data(), *py = yd.data();
        float* pg = gx.data;
        const bool add = gx.add;
        parallel_for(x.numel(), [=](int64_t s, int64_t e) {
            if (add) for (int64_t i = s; i < e; ++i) pg[i] += df(px[i], py[i], dy[i]);
            else for (int64_t i = s; i < e; ++i) pg[i] = df(px[i], py[i], dy[i]);   // a fresh gradient
        });
    });
}

// A 0/1 mask from a comparison: no gradient flows through it.
template <class F>
Tensor compare(const char* name, const Tensor& a, const Tensor& b, F f) {
    NoGradGuard no_grad;
    return binary(name, a, b, [f](float x, float y) { return f(x, y) ? 1.f : 0.f; },
                  [](float, float, float) { return 0.f; }, [](float, float, float) { return 0.f; });
}

}  // namespace

// ---- binary
Tensor add(const Tensor& a, const Tensor& b) {
    return binary("add", a, b, [](float x, float y) { return x + y; },
                  [](float, float, float dz) { return dz; },     // d/da = 1
                  [](float, float, float dz) { return dz; });    // d/db = 1
}
Tensor sub(const Tensor& a, const Tensor& b) {
    return binary("sub", a, b, [](float x, float y) { return x - y; },
                  [](float, float, float dz) { return dz; },     // d/da = 1
                  [](float, float, float dz) { return -dz; });   // d/db = -1
}
Tensor mul(const Tensor& a, const Tensor& b) {
    return binary("mul", a, b, [](float x, float y) { return x * y; },
                  [](float, float y, float dz) { return dz * y; },    // d/da = b
                  [](float x, float, float dz) { return dz * x; });   // d/db = a
}
Tensor div(const Tensor& a, const Tensor& b) {
    return binary("div", a, b, [](float x, float y) { return x / y; },
                  [](float, float y, float dz) { return dz / y; },              // d/da = 1/b
                  [](float x, float y, float dz) { return -dz * x / (y * y); });  // d/db = -a/b^2
}
Tensor maximum(const Tensor& a, const Tensor& b) {
    return binary("maximum", a, b, [](float x, float y) { return x > y ? x : y; },
                  [](float x, float y, float dz) { return x > y ? dz : x == y ? 0.5f * dz : 0.f; },
                  [](float x, float y, float dz) { return y > x ? dz : x == y ? 0.5f * dz : 0.f; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
    return binary("minimum", a, b, [](float x, float y) { return x < y ? x : y; },
                  [](float x, float y, float dz) { return x < y ? dz : x == y ? 0.5f * dz : 0.f; },
                  [](float x, float y, float dz) { return y < x ? dz : x == y ? 0.5f * dz : 0.f; });
}

// ---- with a scalar
Tensor add(const Tensor& a, float b) {
    return unary("add_scalar", a, [b](float x) { return x + b; },
                 [](float, float, float dy) { return dy; });               // d/dx = 1
}
Tensor mul(const Tensor& a, float b) {
    return unary("mul_scalar", a, [b](float x) { return x * b; },
                 [b](float, float, float dy) { return dy * b; });           // d/dx = b
}
Tensor rsub(float a, const Tensor& b) {
    return unary("rsub_scalar", b, [a](float x) { return a - x; },
                 [](float, float, float dy) { return -dy; });              // d/dx = -1
}
Tensor rdiv(float a, const Tensor& b) {
    return unary("rdiv_scalar", b, [a](float x) { return a / x; },
                 [a](float x, float, float dy) { return -dy * a / (x * x); });   // d/dx = -a/x^2
}

// ---- unary
Tensor neg(const Tensor& x) {
    return unary("neg", x, [](float v) { return -v; }, [](float, float, float dy) { return -dy; });
}
Tensor pow(const Tensor& x, float p) {
    return unary("pow", x, [p](float v) { return std::pow(v, p); },
                 [p](float v, float, float dy) { return dy * p * std::pow(v, p - 1.f); });  // p x^(p-1)
}
Tensor exp(const Tensor& x) {
    return unary("exp", x, [](float v) { return std::exp(v); },
                 [](float, float y, float dy) { return dy * y; });            // e^x
}
Tensor log(const Tensor& x) {
    return unary("log", x, [](float v) { return std::log(v); },
                 [](float v, float, float dy) { return dy / v; });            // 1/x
}
Tensor sqrt(const Tensor& x) {
    return unary("sqrt", x, [](float v) { return std::sqrt(v); },
                 [](float, float y, float dy) { return dy * 0.5f / y; });     // 1/(2 sqrt x)
}
Tensor abs(const Tensor& x) {
    return unary("abs", x, [](float v) { return std::fabs(v); },
                 [](float v, float, float dy) { return v > 0 ? dy : v < 0 ? -dy : 0.f; });   // sign x
}
Tensor square(const Tensor& x) {
    return unary("square", x, [](float v) { return v * v; },
                 [](float v, float, float dy) { return dy * 2.f * v; });      // 2x
}
Tensor relu(const Tensor& x) {
    return unary("relu", x, [](float v) { return v > 0 ? v : 0.f; },
                 [](float v, float, float dy) { return v > 0 ? dy : 0.f; });  // 1[x > 0]
}
Tensor leaky_relu(const Tensor& x, float slope) {
    return unary("leaky_relu", x, [slope](float v) { return v > 0 ? v : slope * v; },
                 [slope](float v, float, float dy) { return v > 0 ? dy : slope * dy; });
}
Tensor sigmoid(const Tensor& x) {
    return unary("sigmoid", x, [](float v) { return 1.f / (1.f + std::exp(-v)); },
                 [](float, float y, float dy) { return dy * y * (1.f - y); });   // s (1 - s)
}
// log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(e^-|x|): no overflow for any x.
Tensor log_sigmoid(const Tensor& x) {
    return unary("log_sigmoid", x,
                 [](float v) { return std::min(v, 0.f) - std::log1p(std::exp(-std::fabs(v))); },
                 [](float v, float, float dy) { return dy / (1.f + std::exp(v)); });   // 1 - s(x)
}
// x * Phi(x) with Phi the standard normal CDF (the exact erf form, PyTorch's default)
Tensor gelu(const Tensor& x) {
    constexpr float inv_sqrt2 = 0.70710678118654752f, inv_sqrt_2pi = 0.39894228040143268f;
    return unary("gelu", x, [=](float v) { return 0.5f * v * (1.f + std::erf(v * inv_sqrt2)); },
                 [=](float v, float, float dy) {   // Phi(x) + x phi(x)
                     return dy * (0.5f * (1.f + std::erf(v * inv_sqrt2)) + v * inv_sqrt_2pi * std::exp(-0.5f * v * v));
                 });
}

Tensor tanh(const Tensor& x) {
    return unary("tanh", x, [](float v) { return std::tanh(v); },
                 [](float, float y, float dy) { return dy * (1.f - y * y); });   // 1 - tanh^2
}
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
Tensor softplus(const Tensor& x) {
    return unary("softplus", x,
                 [](float v) { return std::max(v, 0.f) + std::log1p(std::exp(-std::fabs(v))); },
                 [](float v, float, float dy) { return dy / (1.f + std::exp(-v)); });   // sigmoid x
}
Tensor clamp(const Tensor& x, float lo, float hi) {
    CT_CHECK(lo <= hi, "clamp: min " << lo << " is greater than max " << hi);
    return unary("clamp", x, [lo, hi](float v) { return v < lo ? lo : v > hi ? hi : v; },
                 [lo, hi](float v, float, float dy) { return v >= lo && v <= hi ? dy : 0.f; });
}
Tensor clamp_min(const Tensor& x, float lo) {
    return unary("clamp_min", x, [lo](float v) { return v < lo ? lo : v; },
                 [lo](float v, float, float dy) { return v >= lo ? dy : 0.f; });
}
Tensor clamp_max(const Tensor& x, float hi) {
    return unary("clamp_max", x, [hi](float v) { return v > hi ? hi : v; },
                 [hi](float v, float, float dy) { return v <= hi ? dy : 0.f; });
}

// mask != 0 ? a : b. All three are expanded to the common shape first; the unselected side gets
// an exact zero gradient even where its value is inf or NaN (unlike mask*a + (1-mask)*b).
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b) {
    check_defined("where", mask);
    const Shape out = broadcast_shapes("where", broadcast_shapes("where", mask.shape(), a.shape()), b.shape());
    Tensor m = expand(mask.detach(), out), ae = expand(a, out), be = expand(b, out);
    Tensor y = Tensor::empty(out);
    const float *pm = m.data(), *pa = ae.data(), *pb = be.data();
    float* py = y.data();
    parallel_for(y.numel(), [=](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) py[i] = pm[i] != 0.f ? pa[i] : pb[i];
    });
    return record("where", y, {ae, be}, [m](const float* dy, Grads& g) {
        const float* pm = m.data();
        float *ga = g.get(0), *gb = g.get(1);
        for (int64_t i = 0; i < m.numel(); ++i) {
            if (pm[i] != 0.f) { if (ga) ga[i] += dy[i]; }     // d/da = mask
            else if (gb) gb[i] += dy[i];                       // d/db = 1 - mask
        }
    });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
    return where(mask, Tensor::scalar(value), x);
}

// ---- comparisons
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](float x, float y) { return x > y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](float x, float y) { return x < y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", a, b, [](float x, float y) { return x >= y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", a, b, [](float x, float y) { return x <= y; }); }
Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](float x, float y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", a, b, [](float x, float y) { return x != y; }); }
Tensor gt(const Tensor& a, float b) { return gt(a, Tensor::scalar(b)); }
Tensor lt(const Tensor& a, float b) { return lt(a, Tensor::scalar(b)); }
Tensor logical_not(const Tensor& mask) { return eq(mask, Tensor::scalar(0.f)); }

// ---- operators
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, float b) { return add(a, b); }
Tensor operator+(float a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, float b) { return add(a, -b); }
Tensor operator-(float a, const Tensor& b) { return rsub(a, b); }
Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, float b) { return mul(a, 1.f / b); }
Tensor operator/(float a, const Tensor& b) { return rdiv(a, b); }

}  // namespace ct
