// conv2d as im2col + one sgemm per chunk of images. The batch is cut into chunks so the column
// buffer stays ~16 MB (cache-friendly, and memory does not grow with the batch); im2col, col2im
// and the layout copies run on OpenMP, the GEMMs on OpenBLAS's own threads (never nested), except
// for layers with few input channels, which go one image per thread (per_image below).
// Backward recomputes the columns instead of keeping them: im2col is cheap next to the GEMMs and
// keeping them would cost K*K times the input's memory per layer. Stride-1 3x3 layers may take the
// Winograd path instead (core/conv_winograd.h says which and why).
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "core/blas.h"
#include "core/conv_winograd.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/pool_kernels.h"

namespace ct {
namespace {

struct ConvGeometry {
    int64_t N, C, H, W, OUT, KH, KW, stride, pad, HO, WO;
    int64_t rows() const { return C * KH * KW; }   // the GEMM's inner dimension
    int64_t pixels() const { return HO * WO; }
};

constexpr int64_t kColumnBudget = 4 << 20;   // floats in one chunk's column buffer

int64_t chunk_images(const ConvGeometry& g) {
    return std::clamp<int64_t>(kColumnBudget / std::max<int64_t>(g.rows() * g.pixels(), 1), 1, g.N);
}

// The output columns ow whose input column ow*s - pad + kw lies inside [0, W): a contiguous range,
// so the inner loops below run without a bounds test per element (and vectorise).
struct ValidRange { int64_t begin, end; };
inline ValidRange valid_columns(const ConvGeometry& g, int64_t kw) {
    const int64_t off = kw - g.pad;   // iw = ow * stride + off
    int64_t begin = off >= 0 ? 0 : (-off + g.stride - 1) / g.stride;
    int64_t end = g.W - off <= 0 ? 0 : (g.W - off + g.stride - 1) / g.stride;
    end = std::min(end, g.WO);
    begin = std::min(begin, end);
    return {begin, end};
}

// cols[r, j*P + p] = x[n0+j, c, oh*s - pad + kh, ow*s - pad + kw],  r = (c, kh, kw), p = (oh, ow);
// the tasks t = r * nb + j in [b, e)
void im2col_tasks(const ConvGeometry& g, const float* x, int64_t n0, int64_t nb, float* cols, int64_t b, int64_t e) {
    const int64_t P = g.pixels();
    for (int64_t t = b; t < e; ++t) {
        const int64_t r = t / nb, j = t % nb;
        const int64_t c = r / (g.KH * g.KW), kh = r / g.KW % g.KH, kw = r % g.KW;
        const float* plane = x + ((n0 + j) * g.C + c) * g.H * g.W;
        float* dst = cols + r * nb * P + j * P;
        const ValidRange v = valid_columns(g, kw);
        for (int64_t oh = 0; oh < g.HO; ++oh) {
            const int64_t ih = oh * g.stride - g.pad + kh;
            float* out = dst + oh * g.WO;
            if (ih < 0 || ih >= g.H) { std::fill(out, out + g.WO, 0.f); continue; }
            const float* row = plane + ih * g.W;
            const int64_t off = kw - g.pad;   // iw = ow * stride + off
            std::fill(out, out + v.begin, 0.f);
            if (g.stride == 1) std::copy(row + v.begin + off, row + v.end + off, out + v.begin);
            else for (int64_t ow = v.begin; ow < v.end; ++ow) out[ow] = row[ow * g.stride + off];
            std::fill(out + v.end, out + g.WO, 0.f);
        }
    }
}

void im2col(const ConvGeometry& g, const float* x, int64_t n0, int64_t nb, float* cols) {
    parallel_for(g.rows() * nb, [&](int64_t b, int64_t e) { im2col_tasks(g, x, n0, nb, cols, b, e); }, g.pixels());
}

// The adjoint of im2col: dx[n0+j, c, ih, iw] += dcols[r, j*P + p], for the tasks t = j * C + c in
// [b, e): each task owns one input plane, so no two threads add into the same element.
void col2im_tasks(const ConvGeometry& g, const float* dcols, int64_t n0, int64_t nb, float* dx, int64_t b, int64_t e) {
    const int64_t P = g.pixels();
    for (int64_t t = b; t < e; ++t) {
        const int64_t j = t / g.C, c = t % g.C;
        float* plane = dx + ((n0 + j) * g.C + c) * g.H * g.W;
        for (int64_t kh = 0; kh < g.KH; ++kh)
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t r = (c * g.KH + kh) * g.KW + kw;
                const float* src = dcols + r * nb * P + j * P;
                const ValidRange v = valid_columns(g, kw);
                for (int64_t oh = 0; oh < g.HO; ++oh) {
                    const int64_t ih = oh * g.stride - g.pad + kh;
                    if (ih < 0 || ih >= g.H) continue;
                    float* row = plane + ih * g.W;
                    const int64_t off = kw - g.pad;   // iw = ow * stride + off
                    const float* in = src + oh * g.WO;
                    if (g.stride == 1)
                        for (int64_t ow = v.begin; ow < v.end; ++ow) row[ow + off] += in[ow];
                    else
                        for (int64_t ow = v.begin; ow < v.end; ++ow) row[ow * g.stride + off] += in[ow];
                }
            }
    }
}

void col2im(const ConvGeometry& g, const float* dcols, int64_t n0, int64_t nb, float* dx) {
    parallel_for(nb * g.C, [&](int64_t b, int64_t e) { col2im_tasks(g, dcols, n0, nb, dx, b, e); },
                 g.KH * g.KW * g.pixels());
}

// db[o] += sum_{n,p} dy[n,o,p]: parallel over channels, vectorized within a plane
void add_bias_gradient(const ConvGeometry& g, const float* dy, float* db) {
    const int64_t P = g.pixels();
    parallel_for(g.OUT, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o) {
            double acc = 0;
            for (int64_t n = 0; n < g.N; ++n) {
                const float* src = dy + (n * g.OUT + o) * P;
                float plane = 0.f;
#pragma omp simd reduction(+ : plane)
                for (int64_t p = 0; p < P; ++p) plane += src[p];
                acc += plane;
            }
            db[o] += float(acc);
        }
    }, g.N * P);
}

// ---- one image at a time, for layers with few input channels (a network's first layer)
// The chunked path below runs one thin GEMM (inner dimension R = C*KH*KW, 25 for E1's 1->32 5x5)
// over a column buffer of megabytes, and copies y and dy between layouts around it. When one
// image's columns are small, each thread instead takes whole images: their columns stay in its
// cache, the product writes y (and reads dy) in place, and BLAS, called inside the parallel region,
// runs each product on that one thread. Measured on E1's first layer in docs/PERFORMANCE.md.
bool per_image(const ConvGeometry& g) {
    return g.rows() <= 32 && g.rows() * g.pixels() <= (64 << 10) && g.N >= 2;
}

#ifdef _OPENMP
int thread_index() { return omp_get_thread_num(); }
#else
int thread_index() { return 0; }
#endif

// y_n (OUT,P) = W (OUT,R) @ cols_n (R,P) + b for each image n, then sink(n, y_n). y_n lies in y when
// y is given, else in a buffer of the thread (conv2d_relu_max_pool2x2 pools it while it is in cache).
template <class Sink>
void forward_per_image(const ConvGeometry& g, const float* x, const float* w, const float* b, float* y, Sink sink) {
    const int64_t P = g.pixels(), R = g.rows();
    parallel_for(g.N, [&](int64_t n0, int64_t n1) {
        std::vector<float> cols(size_t(R * P)), buffer(y ? 0 : size_t(g.OUT * P));
        for (int64_t n = n0; n < n1; ++n) {
            im2col_tasks(g, x, n, 1, cols.data(), 0, R);
            float* yn = y ? y + n * g.OUT * P : buffer.data();
            if (b)
                for (int64_t o = 0; o < g.OUT; ++o) std::fill(yn + o * P, yn + (o + 1) * P, b[o]);
            gemm(NoTrans, NoTrans, g.OUT, P, R, w, cols.data(), b ? 1.f : 0.f, yn);
            sink(n, yn);
        }
    }, g.OUT * R * P);
}

// dW += sum_n dy_n (OUT,P) @ cols_n^T;  dx[n] += fold(W^T dy_n), with dy_n = dy_of(n, buffer): dy's
// image n, or one the caller writes into the thread's buffer. Each thread sums its images' dW into
// its own block; the blocks are added in thread order, so the result does not depend on timing.
template <class DyOf>
void backward_per_image(const ConvGeometry& g, const float* x, const float* w, float* dx, Grads::Whole dw,
                        DyOf dy_of) {
    const int64_t P = g.pixels(), R = g.rows(), WN = g.OUT * R;
    std::vector<float> partial(dw.data ? size_t(num_threads() * WN) : 0, 0.f);
    std::vector<char> used(size_t(num_threads()), 0);
    parallel_for(g.N, [&](int64_t n0, int64_t n1) {
        const int t = thread_index();
        used[size_t(t)] = 1;
        std::vector<float> cols(size_t(R * P)), buffer(size_t(g.OUT * P));
        for (int64_t n = n0; n < n1; ++n) {
            const float* dyn = dy_of(n, buffer.data());
            if (dw.data) {
                im2col_tasks(g, x, n, 1, cols.data(), 0, R);
                gemm(NoTrans, Trans, g.OUT, R, P, dyn, cols.data(), 1.f, partial.data() + t * WN);
            }
            if (dx) {
                gemm(Trans, NoTrans, R, P, g.OUT, w, dyn, 0.f, cols.data());   // dcols = W^T dy_n
                col2im_tasks(g, cols.data(), n, 1, dx, 0, g.C);
            }
        }
    }, g.OUT * R * P);
    if (!dw.data) return;
    for (int64_t i = 0; i < WN; ++i) {
        float s = dw.add ? dw.data[i] : 0.f;
        for (size_t t = 0; t < used.size(); ++t)
            if (used[t]) s += partial[t * size_t(WN) + size_t(i)];
        dw.data[i] = s;
    }
}

// The checks and output size of conv2d and conv2d_relu_max_pool2x2
ConvGeometry conv_geometry(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, int64_t padding) {
    CT_CHECK(x.defined() && w.defined() && x.dim() == 4 && w.dim() == 4 && x.size(1) == w.size(1),
             "conv2d: x " << (x.defined() ? x.shape() : Shape{}) << " and w "
                          << (w.defined() ? w.shape() : Shape{}) << " must be (N,C,H,W) and (OUT,C,KH,KW)");
    CT_CHECK(stride >= 1 && padding >= 0, "conv2d: stride " << stride << " and padding " << padding
                                                            << " must be >= 1 and >= 0");
    ConvGeometry g{x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), w.size(2), w.size(3),
                   stride, padding, 0, 0};
    g.HO = (g.H + 2 * padding - g.KH) / stride + 1;
    g.WO = (g.W + 2 * padding - g.KW) / stride + 1;
    CT_CHECK(g.H + 2 * padding >= g.KH && g.W + 2 * padding >= g.KW,
             "conv2d: kernel " << g.KH << "x" << g.KW << " larger than the padded input " << x.shape());
    CT_CHECK(!b.defined() || b.shape() == Shape{g.OUT},
             "conv2d: bias " << b.shape() << " must be (" << g.OUT << ")");
    return g;
}

}  // namespace

// x:(N,C,H,W) w:(OUT,C,KH,KW) b:(OUT) -> y:(N,OUT,HO,WO)
// im2col, per chunk of nb images: Y(OUT, nb*P) = W(OUT, R) @ cols(R, nb*P), then y[n,o,p] = Y[o, j*P+p] + b[o].
// The layers choose_conv_algo gives to Winograd go to core/conv_winograd.cpp instead.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, int64_t padding) {
    const ConvGeometry g = conv_geometry(x, w, b, stride, padding);
    Tensor y = Tensor::empty({g.N, g.OUT, g.HO, g.WO});
    const detail::ConvAlgo algo = detail::choose_conv_algo(g.N, g.C, g.H, g.W, g.OUT, g.KH, g.KW, stride);
    if (algo != detail::ConvAlgo::Im2col) {
        const detail::WinogradShape s{g.N, g.C, g.H, g.W, g.OUT, padding, g.KH,
                                      algo == detail::ConvAlgo::Winograd4x4 ? 4 : 2};
        detail::winograd_forward(s, x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data());
        return record("conv2d", y, {x, w, b}, [x, w, g, s](const float* dy, Grads& grads) {
            if (float* db = grads.get(2)) add_bias_gradient(g, dy, db);
            detail::winograd_backward(s, x.data(), w.data(), dy, grads.get(0), grads.get(1));
        });
    }
    if (per_image(g)) {
        forward_per_image(g, x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data(), [](int64_t, const float*) {});
        return record("conv2d", y, {x, w, b}, [x, w, g](const float* dy, Grads& grads) {
            if (float* db = grads.get(2)) add_bias_gradient(g, dy, db);
            float* dx = grads.get(0);
            const int64_t image = g.OUT * g.pixels();
            backward_per_image(g, x.data(), w.data(), dx, grads.get_whole(1),
                               [dy, image](int64_t n, float*) { return dy + n * image; });
        });
    }
    const int64_t P = g.pixels(), R = g.rows(), NB = chunk_images(g);
    Tensor cols = Tensor::empty({R, NB * P}), prod = Tensor::empty({g.OUT, NB * P});
    for (int64_t n0 = 0; n0 < g.N; n0 += NB) {
        const int64_t nb = std::min(NB, g.N - n0);
        im2col(g, x.data(), n0, nb, cols.data());
        gemm(NoTrans, NoTrans, g.OUT, nb * P, R, w.data(), cols.data(), 0.f, prod.data());
        const float *pp = prod.data(), *pb = b.defined() ? b.data() : nullptr;
        float* py = y.data();
        parallel_for(nb * g.OUT, [&](int64_t s, int64_t e) {
            for (int64_t t = s; t < e; ++t) {
                const int64_t j = t / g.OUT, o = t % g.OUT;
                const float bias = pb ? pb[o] : 0.f;
                const float* src = pp + o * nb * P + j * P;
                float* dst = py + ((n0 + j) * g.OUT + o) * P;
                for (int64_t p = 0; p < P; ++p) dst[p] = src[p] + bias;
            }
        }, P);
    }
    return record("conv2d", y, {x, w, b}, [x, w, g, NB](const float* dy, Grads& grads) {
        float *dx = grads.get(0), *dw = grads.get(1), *db = grads.get(2);
        const int64_t P = g.pixels(), R = g.rows();
        if (db) add_bias_gradient(g, dy, db);
        if (!dx && !dw) return;
        Tensor cols = Tensor::empty({R, NB * P}), dprod = Tensor::empty({g.OUT, NB * P});
        for (int64_t n0 = 0; n0 < g.N; n0 += NB) {
            const int64_t nb = std::min(NB, g.N - n0);
            float* pd = dprod.data();
            parallel_for(nb * g.OUT, [&](int64_t s, int64_t e) {   // dY[o, j*P+p] = dy[n0+j, o, p]
                for (int64_t t = s; t < e; ++t) {
                    const int64_t j = t / g.OUT, o = t % g.OUT;
                    std::memcpy(pd + o * nb * P + j * P, dy + ((n0 + j) * g.OUT + o) * P, size_t(P) * sizeof(float));
                }
            }, P);
            if (dw) {
                im2col(g, x.data(), n0, nb, cols.data());
                gemm(NoTrans, Trans, g.OUT, R, nb * P, pd, cols.data(), 1.f, dw);   // dW += dY cols^T
            }
            if (dx) {
                gemm(Trans, NoTrans, R, nb * P, g.OUT, w.data(), pd, 0.f, cols.data());  // dcols = W^T dY
                col2im(g, cols.data(), n0, nb, dx);                                     // dx += fold(dcols)
            }
        }
    });
}

// x:(N,C,H,W) w:(OUT,C,KH,KW) b:(OUT) or undefined -> (N,OUT,HO/2,WO/2): relu_max_pool2x2(conv2d(x, w), b),
// what nn::Sequential runs for Conv2d, ReLU, MaxPool2d(2). On the per-image path (a first layer) each
// image's convolution is pooled while it is in the thread's cache, and backward routes the pooled
// gradient into a buffer there before its products: the full-size conv output and its gradient
// never exist (in E1: 25.7 MB written and read back each way). Other layers run the two ops.
Tensor conv2d_relu_max_pool2x2(const Tensor& x, const Tensor& w, const Tensor& b, int64_t stride, int64_t padding) {
    const ConvGeometry g = conv_geometry(x, w, b, stride, padding);
    const bool im2col = detail::choose_conv_algo(g.N, g.C, g.H, g.W, g.OUT, g.KH, g.KW, stride) == detail::ConvAlgo::Im2col;
    if (!im2col || !per_image(g) || g.HO < 2 || g.WO < 2) return relu_max_pool2x2(conv2d(x, w, Tensor(), stride, padding), b);
    const int64_t HP = g.HO / 2, WP = g.WO / 2, PP = HP * WP, P = g.pixels();
    Tensor y = Tensor::empty({g.N, g.OUT, HP, WP});
    auto route = std::make_shared<detail::Storage>((g.N * g.OUT * PP + 3) / 4);   // a byte per output
    uint8_t* pr = reinterpret_cast<uint8_t*>(route->data);
    float* py = y.data();
    const float* pb = b.defined() ? b.data() : nullptr;
    forward_per_image(g, x.data(), w.data(), nullptr, nullptr, [&](int64_t n, const float* yn) {
        for (int64_t o = 0; o < g.OUT; ++o) {
            const int64_t t = n * g.OUT + o;
            detail::relu_max_pool_plane(yn + o * P, g.WO, HP, WP, pb ? pb[o] : 0.f, py + t * PP, pr + t * PP);
        }
    });
    return record("conv2d_relu_max_pool2x2", y, {x, w, b}, [x, w, g, route](const float* dy, Grads& grads) {
        const int64_t HP = g.HO / 2, WP = g.WO / 2, PP = HP * WP, P = g.pixels();
        const uint8_t* pr = reinterpret_cast<const uint8_t*>(route->data);
        float* db = grads.get(2);
        std::vector<float> routed(db ? size_t(g.N * g.OUT) : 0);   // per plane, summed per channel below
        float* sums = routed.data();
        backward_per_image(g, x.data(), w.data(), grads.get(0), grads.get_whole(1), [&](int64_t n, float* buffer) {
            for (int64_t o = 0; o < g.OUT; ++o) {   // the conv's dy_n: dy at the routed positions
                const int64_t t = n * g.OUT + o;
                detail::relu_max_pool_plane_backward(pr + t * PP, dy + t * PP, g.HO, g.WO, HP, WP, buffer + o * P, false);
                if (db) sums[t] = detail::routed_sum(pr + t * PP, dy + t * PP, PP);
            }
            return static_cast<const float*>(buffer);
        });
        if (db)
            for (int64_t o = 0; o < g.OUT; ++o) {
                double s = 0;
                for (int64_t n = 0; n < g.N; ++n) s += sums[n * g.OUT + o];
                db[o] += float(s);
            }
    });
}

}  // namespace ct
