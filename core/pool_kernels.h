// The per-plane kernels of relu_max_pool2x2 (core/ops_pool.cpp), shared with conv2d_relu_max_pool2x2
// (core/ops_conv.cpp), which pools each image's convolution while it is still in cache.
#pragma once
#include <cstdint>

namespace ct::detail {

// One (H,W) plane -> (HO,WO) = (H/2,W/2): out = max_pool2d(relu(in + bias), 2), route = a byte per
// output saying where its gradient goes (or that it has none).
void relu_max_pool_plane(const float* in, int64_t W, int64_t HO, int64_t WO, float bias, float* out,
                         uint8_t* route);
// Its backward: dx = dy at each routed position, 0 elsewhere (every element of the (H,W) plane
// written), or with add, dy added at the routed positions.
void relu_max_pool_plane_backward(const uint8_t* route, const float* dy, int64_t H, int64_t W, int64_t HO,
                                  int64_t WO, float* dx, bool add);
// The sum of the routed dy of a plane of P outputs: its share of the bias gradient.
float routed_sum(const uint8_t* route, const float* dy, int64_t P);

}  // namespace ct::detail
