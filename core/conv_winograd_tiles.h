// What the Winograd driver (core/conv_winograd.cpp) shares with the transforms of each tile size
// (F(2x2,3x3) there, F(2x2,5x5) in core/conv_winograd5.cpp, F(4x4,3x3) in core/conv_winograd43.cpp):
// the tiling of an image and the table of six transforms the driver calls per block of images.
// Internal to those files.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/conv_winograd.h"

namespace ct::detail {

// m x m output tiles over an image (m = s.m); the input tile of a KxK kernel is alpha x alpha,
// alpha = m + K - 1.
struct Tiling {
    WinogradShape s;
    int64_t TH, TW;   // output tiles per column and row (the last may hang over the edge)
    int64_t WP;       // width of a padded row of input tiles: m TW + K - 1 >= W + 2 pad
    int64_t alpha;    // input tile side: alpha^2 products per tile and channel pair
    explicit Tiling(const WinogradShape& sh)
        : s(sh), TH((sh.HO() + sh.m - 1) / sh.m), TW((sh.WO() + sh.m - 1) / sh.m),
          WP(sh.m * ((sh.WO() + sh.m - 1) / sh.m) + sh.K - 1), alpha(sh.m + sh.K - 1) {}
    int64_t tiles() const { return TH * TW; }
    int64_t positions() const { return alpha * alpha; }
};

// rows[k*stride + xx] = the input row m ty - pad + k of `plane`, column xx - pad, for k < alpha and
// xx < stride (zero outside the image; stride >= WP): the padded rows a tile row's input transform reads.
inline void load_padded_rows(const Tiling& t, const float* plane, int64_t ty, float* rows, int64_t stride) {
    const WinogradShape& s = t.s;
    for (int64_t k = 0; k < t.alpha; ++k) {
        float* row = rows + k * stride;
        const int64_t ih = s.m * ty - s.pad + k;
        std::fill(row, row + stride, 0.f);
        if (ih >= 0 && ih < s.H) std::memcpy(row + s.pad, plane + ih * s.W, size_t(s.W) * sizeof(float));
    }
}
inline void load_padded_rows(const Tiling& t, const float* plane, int64_t ty, float* rows) {
    load_padded_rows(t, plane, ty, rows, t.WP);
}

// The transforms of one F(mxm,KxK). Layouts: U and dU (alpha^2, OUT, C); V and dV (alpha^2, C, T); M and
// dM (alpha^2, OUT, T), T = nb * tiles() for the images n0..n0+nb of a block.
struct WinogradTransforms {
    void (*weights)(const WinogradShape& s, const float* w, float* U);            // U = G g G^T
    void (*add_weight_gradient)(const WinogradShape& s, const float* dU, float* dw);   // dw += G^T dU G
    void (*input)(const Tiling& t, const float* x, int64_t n0, int64_t nb, float* V);   // V = B^T d B
    void (*output)(const Tiling& t, const float* M, const float* bias, int64_t n0, int64_t nb,
                   float* y);                                                     // y = A^T M A + bias
    void (*output_gradient)(const Tiling& t, const float* dy, int64_t n0, int64_t nb, float* dM);   // A dY A^T
    void (*add_input_gradient)(const Tiling& t, const float* dV, int64_t n0, int64_t nb,
                               float* dx);                                        // dx += B dV B^T
};

extern const WinogradTransforms kWinograd5x5;       // F(2x2,5x5), core/conv_winograd5.cpp
extern const WinogradTransforms kWinograd4x4_3x3;   // F(4x4,3x3), core/conv_winograd43.cpp

}  // namespace ct::detail
