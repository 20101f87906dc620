// Geometric transforms: bilinear resize, crops, random resized crop (SimCLR's main augmentation),
// and the affine warp behind rotation and MNIST's random shifts. Declared in data/transforms.h.
#include <algorithm>
#include <cmath>

#include "data/transforms.h"

namespace ct {
namespace transforms {

namespace {
void check_image(const Tensor& img, const char* op) {
    CT_CHECK(img.defined() && img.dim() == 3, op << ": expected one image (C,H,W), got "
                                                 << (img.defined() ? to_string(img.shape()) : "undefined"));
}

// Source position and weight along one axis for align_corners=False: src = (dst + 0.5) * in/out - 0.5,
// clamped at 0 like PyTorch (the first output pixels copy the edge instead of extrapolating).
struct Tap { int64_t i0, i1; float w1; };
std::vector<Tap> taps(int64_t in_start, int64_t in_size, int64_t out_size) {
    std::vector<Tap> t(static_cast<size_t>(out_size));
    const float scale = float(in_size) / float(out_size);
    for (int64_t o = 0; o < out_size; ++o) {
        const float src = std::max(0.f, (float(o) + 0.5f) * scale - 0.5f);
        const int64_t i0 = std::min(int64_t(src), in_size - 1);
        const int64_t i1 = std::min(i0 + 1, in_size - 1);
        t[size_t(o)] = {in_start + i0, in_start + i1, src - float(i0)};
    }
    return t;
}
}  // namespace

// img:(C,H,W), the window [top, top+height) x [left, left+width) resized to (C,out_height,out_width).
Tensor resized_crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
                    int64_t out_height, int64_t out_width) {
    check_image(img, "resized_crop");
    const int64_t C = img.size(0), H = img.size(1), W = img.size(2);
    CT_CHECK(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= H && left + width <= W,
             "resized_crop: window (top " << top << ", left " << left << ", " << height << "x" << width
                                          << ") does not fit an image " << img.shape());
    CT_CHECK(out_height > 0 && out_width > 0,
             "resized_crop: output size " << out_height << "x" << out_width << " must be positive");
    const std::vector<Tap> ty = taps(top, height, out_height), tx = taps(left, width, out_width);
    Tensor out = Tensor::empty({C, out_height, out_width});
    const float* src = img.data();
    float* dst = out.data();
    for (int64_t c = 0; c < C; ++c) {
        const float* plane = src + c * H * W;
        for (int64_t y = 0; y < out_height; ++y) {
            const Tap& a = ty[size_t(y)];
            const float* r0 = plane + a.i0 * W;
            const float* r1 = plane + a.i1 * W;
            float* o = dst + (c * out_height + y) * out_width;
            for (int64_t x = 0; x < out_width; ++x) {
                const Tap& b = tx[size_t(x)];
                const float top_v = r0[b.i0] + b.w1 * (r0[b.i1] - r0[b.i0]);
                const float bot_v = r1[b.i0] + b.w1 * (r1[b.i1] - r1[b.i0]);
                o[x] = top_v + a.w1 * (bot_v - top_v);
            }
        }
    }
    return out;
}

Tensor resize(const Tensor& img, int64_t height, int64_t width) {
    check_image(img, "resize");
    return resized_crop(img, 0, 0, img.size(1), img.size(2), height, width);
}

Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width) {
    // Same-size resampling hits source pixels exactly (weights 0), so this is a plain copy.
    return resized_crop(img, top, left, height, width, height, width);
}

// torchvision.transforms.RandomResizedCrop.get_params: ten tries at an area fraction from scale and
// a log-uniform aspect ratio; if none fits, the centre crop clamped to the ratio range.
Transform random_resized_crop(int64_t size, std::pair<float, float> scale, std::pair<float, float> ratio) {
    CT_CHECK_AS(ValueError, size > 0 && scale.first > 0 && scale.first <= scale.second &&
                                ratio.first > 0 && ratio.first <= ratio.second,
                "random_resized_crop: need size > 0, 0 < scale.min <= scale.max, 0 < ratio.min <= "
                "ratio.max; got size "
                    << size << ", scale (" << scale.first << ", " << scale.second << "), ratio ("
                    << ratio.first << ", " << ratio.second << ")");
    return [=](Tensor img, Generator& gen) {
        check_image(img, "random_resized_crop");
        const int64_t H = img.size(1), W = img.size(2);
        const float area = float(H * W);
        const float log_lo = std::log(ratio.first), log_hi = std::log(ratio.second);
        for (int attempt = 0; attempt < 10; ++attempt) {
            const float target = area * gen.uniform(scale.first, scale.second);
            const float aspect = std::exp(gen.uniform(log_lo, log_hi));
            const int64_t w = std::lround(std::sqrt(target * aspect));
            const int64_t h = std::lround(std::sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= W && h <= H) {
                const int64_t top = gen.randint(H - h + 1), left = gen.randint(W - w + 1);
                return resized_crop(img, top, left, h, w, size, size);
            }
        }
        const float in_ratio = float(W) / float(H);
        int64_t w = W, h = H;
        if (in_ratio < ratio.first) h = std::lround(float(W) / ratio.first);
        else if (in_ratio > ratio.second) w = std::lround(float(H) * ratio.second);
        return resized_crop(img, (H - h) / 2, (W - w) / 2, h, w, size, size);
    };
}

// Inverse mapping: each output pixel looks up the source pixel it came from (nearest), so no holes.
// With the centre c, output offset u' = (x - c_x - tx) / s, v' = (y - c_y - ty) / s, the source is
// the counter-clockwise rotation undone: u = u' cos a - v' sin a, v = u' sin a + v' cos a (y points down).
Tensor affine(const Tensor& img, float angle, float tx, float ty, float scale, float fill) {
    check_image(img, "affine");
    CT_CHECK_AS(ValueError, scale > 0, "affine: scale must be > 0, got " << scale);
    const int64_t C = img.size(0), H = img.size(1), W = img.size(2);
    const double a = double(angle) * M_PI / 180.0, ca = std::cos(a), sa = std::sin(a);
    const double cx = 0.5 * double(W - 1), cy = 0.5 * double(H - 1);
    Tensor out = Tensor::empty({C, H, W});
    const float* src = img.data();
    float* dst = out.data();
    for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
            const double u1 = (double(x) - cx - tx) / scale, v1 = (double(y) - cy - ty) / scale;
            const int64_t sx = std::lround(u1 * ca - v1 * sa + cx);
            const int64_t sy = std::lround(u1 * sa + v1 * ca + cy);
            const bool inside = sx >= 0 && sx < W && sy >= 0 && sy < H;
            for (int64_t c = 0; c < C; ++c)
                dst[(c * H + y) * W + x] = inside ? src[(c * H + sy) * W + sx] : fill;
        }
    return out;
}

// torchvision.transforms.RandomAffine.get_params: angle uniform, shifts rounded to whole pixels.
Transform random_affine(float degrees, std::pair<float, float> translate, std::pair<float, float> scale) {
    CT_CHECK_AS(ValueError, degrees >= 0 && translate.first >= 0 && translate.first <= 1 &&
                                translate.second >= 0 && translate.second <= 1 && scale.first > 0 &&
                                scale.first <= scale.second,
                "random_affine: need degrees >= 0, translate fractions in [0, 1], 0 < scale.min <= "
                "scale.max; got degrees "
                    << degrees << ", translate (" << translate.first << ", " << translate.second
                    << "), scale (" << scale.first << ", " << scale.second << ")");
    return [=](Tensor img, Generator& gen) {
        check_image(img, "random_affine");
        const float angle = gen.uniform(-degrees, degrees);
        const float max_dx = translate.first * float(img.size(2));
        const float max_dy = translate.second * float(img.size(1));
        const float tx = std::round(gen.uniform(-max_dx, max_dx));
        const float ty = std::round(gen.uniform(-max_dy, max_dy));
        const float s = gen.uniform(scale.first, scale.second);
        return affine(img, angle, tx, ty, s);
    };
}

Transform random_rotation(float degrees) { return random_affine(degrees); }

}  // namespace transforms
}  // namespace ct
