// Winograd convolution for stride-1 3x3 and 5x5 layers (F(2x2,3x3), F(4x4,3x3), F(2x2,5x5)), internal to
// core/: conv2d (core/ops_conv.cpp) calls it for the layers where the measured rule below picks it,
// and keeps im2col + sgemm as the reference path and for every other shape. Transforms and why:
// conv_winograd.cpp (F(2,3) and the driver), conv_winograd43.cpp (F(4,3)) and conv_winograd5.cpp (F(2,5)).
#pragma once
#include <cstdint>

namespace ct::detail {

// One stride-1 KxK convolution, K = 3 or 5: x:(N,C,H,W) w:(OUT,C,K,K) -> y:(N,OUT,HO,WO),
// HO = H + 2 pad - K + 1, computed in m x m output tiles: F(2x2,3x3), F(2x2,5x5) or F(4x4,3x3).
struct WinogradShape {
    int64_t N, C, H, W, OUT, pad, K;
    int64_t m = 2;
    int64_t HO() const { return H + 2 * pad - K + 1; }
    int64_t WO() const { return W + 2 * pad - K + 1; }
};

// y = conv(x, w) + b (b may be null); y is overwritten.
void winograd_forward(const WinogradShape& s, const float* x, const float* w, const float* b, float* y);
// dx += d/dx and dw += d/dw of <dy, conv(x, w)>; either may be null. The exact gradients of the
// forward above (its transforms transposed), so they agree with the direct convolution's.
void winograd_backward(const WinogradShape& s, const float* x, const float* w, const float* dy,
                       float* dx, float* dw);

// Winograd is F(2x2,KxK), Winograd4x4 F(4x4,3x3).
enum class ConvAlgo { Im2col, Winograd, Winograd4x4 };
// The path conv2d takes for a layer. CONTRAST_CONV=im2col|winograd|winograd4x4|auto (unset: auto)
// forces one for benchmarks and tests (winograd still only where it applies: 3x3 or 5x5, stride 1;
// winograd4x4 only for 3x3, stride 1, else F(2x2,5x5) or im2col); an unknown value throws
// ct::ValueError listing the choices. auto is the measured rule in conv_winograd.cpp.
ConvAlgo choose_conv_algo(int64_t N, int64_t C, int64_t H, int64_t W, int64_t OUT, int64_t KH, int64_t KW,
                          int64_t stride);

}  // namespace ct::detail
