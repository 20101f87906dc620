// The reference for both conv2d paths' tests (tests/test_ops_conv.cpp: im2col, tests/
// test_conv_winograd.cpp: Winograd): the convolution as a plain double-precision loop, forward and
// backward, and the error measure they are held to.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/tensor.h"

namespace ct::test {

struct Conv { int64_t N, C, H, W, OUT, KH, KW, stride, pad; bool bias; };

inline int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p) { return (in + 2 * p - k) / s + 1; }

// y[n,o,oh,ow] = b[o] + sum_{c,kh,kw} w[o,c,kh,kw] x[n,c,oh*s-p+kh, ow*s-p+kw]   (0 outside x)
inline std::vector<double> direct_forward(const Conv& g, const Tensor& x, const Tensor& w, const Tensor& b) {
    const int64_t HO = out_size(g.H, g.KH, g.stride, g.pad), WO = out_size(g.W, g.KW, g.stride, g.pad);
    std::vector<double> y(size_t(g.N * g.OUT * HO * WO));
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t o = 0; o < g.OUT; ++o)
            for (int64_t oh = 0; oh < HO; ++oh)
                for (int64_t ow = 0; ow < WO; ++ow) {
                    double acc = b.defined() ? b.data()[o] : 0.0;
                    for (int64_t c = 0; c < g.C; ++c)
                        for (int64_t kh = 0; kh < g.KH; ++kh)
                            for (int64_t kw = 0; kw < g.KW; ++kw) {
                                const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
                                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                                acc += double(w.data()[((o * g.C + c) * g.KH + kh) * g.KW + kw]) *
                                       double(x.data()[((n * g.C + c) * g.H + ih) * g.W + iw]);
                            }
                    y[size_t(((n * g.OUT + o) * HO + oh) * WO + ow)] = acc;
                }
    return y;
}

// The same loop run backwards: every product w*x sends dy*x to dw, dy*w to dx, dy to db.
struct DirectGrads { std::vector<double> dx, dw, db; };
inline DirectGrads direct_backward(const Conv& g, const Tensor& x, const Tensor& w, const Tensor& dy) {
    const int64_t HO = out_size(g.H, g.KH, g.stride, g.pad), WO = out_size(g.W, g.KW, g.stride, g.pad);
    DirectGrads r{std::vector<double>(size_t(x.numel())), std::vector<double>(size_t(w.numel())),
                  std::vector<double>(size_t(g.OUT))};
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t o = 0; o < g.OUT; ++o)
            for (int64_t oh = 0; oh < HO; ++oh)
                for (int64_t ow = 0; ow < WO; ++ow) {
                    const double d = dy.data()[((n * g.OUT + o) * HO + oh) * WO + ow];
                    r.db[size_t(o)] += d;
                    for (int64_t c = 0; c < g.C; ++c)
                        for (int64_t kh = 0; kh < g.KH; ++kh)
                            for (int64_t kw = 0; kw < g.KW; ++kw) {
                                const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
                                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                                const size_t wi = size_t(((o * g.C + c) * g.KH + kh) * g.KW + kw);
                                const size_t xi = size_t(((n * g.C + c) * g.H + ih) * g.W + iw);
                                r.dw[wi] += d * double(x.data()[xi]);
                                r.dx[xi] += d * double(w.data()[wi]);
                            }
                }
    return r;
}

// max |a - b| / (1 + max |b|): float32 sums of n terms err by ~eps * sqrt(n) * their magnitude, so
// the error is measured against the scale of the whole result (a single element can cancel to ~0).
inline double worst_error(const Tensor& t, const std::vector<double>& ref) {
    REQUIRE(t.numel() == int64_t(ref.size()));
    double worst = 0, scale = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        worst = std::max(worst, std::fabs(double(t.data()[i]) - ref[i]));
        scale = std::max(scale, std::fabs(ref[i]));
    }
    return worst / (1.0 + scale);
}

}  // namespace ct::test
