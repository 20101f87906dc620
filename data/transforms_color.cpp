// Colour transforms after torchvision.transforms.functional: brightness, contrast, saturation and
// hue adjustments, ColorJitter (random order), grayscale and Gaussian blur. Declared in data/transforms.h.
#include <algorithm>
#include <array>
#include <cmath>

#include "data/transforms.h"

namespace ct {
namespace transforms {

namespace {
void check_image(const Tensor& img, const char* op) {
    CT_CHECK(img.defined() && img.dim() == 3 && (img.size(0) == 1 || img.size(0) == 3),
             op << ": expected one image (C,H,W) with C = 1 or 3, got "
                << (img.defined() ? to_string(img.shape()) : "undefined"));
}
inline float clamp01(float v) { return std::min(1.f, std::max(0.f, v)); }

// gray(y, x) for an RGB or gray image (C,H,W) into out (H*W).
void gray_plane(const Tensor& img, std::vector<float>& out) {
    const int64_t HW = img.size(1) * img.size(2);
    const float* p = img.data();
    out.resize(size_t(HW));
    if (img.size(0) == 1) {
        std::copy(p, p + HW, out.begin());
        return;
    }
    for (int64_t i = 0; i < HW; ++i) out[size_t(i)] = 0.299f * p[i] + 0.587f * p[HW + i] + 0.114f * p[2 * HW + i];
}
}  // namespace

Tensor adjust_brightness(Tensor img, float factor) {
    check_image(img, "adjust_brightness");
    float* p = img.data();
    for (int64_t i = 0; i < img.numel(); ++i) p[i] = clamp01(p[i] * factor);
    return img;
}

// blend(img, m, f) = f img + (1 - f) m with m the mean gray level of the whole image.
Tensor adjust_contrast(Tensor img, float factor) {
    check_image(img, "adjust_contrast");
    std::vector<float> gray;
    gray_plane(img, gray);
    double sum = 0;
    for (float g : gray) sum += g;
    const float mean = float(sum / double(gray.size()));
    float* p = img.data();
    for (int64_t i = 0; i < img.numel(); ++i) p[i] = clamp01(factor * p[i] + (1.f - factor) * mean);
    return img;
}

Tensor adjust_saturation(Tensor img, float factor) {
    check_image(img, "adjust_saturation");
    if (img.size(0) == 1) return img;
    std::vector<float> gray;
    gray_plane(img, gray);
    const int64_t HW = int64_t(gray.size());
    float* p = img.data();
    for (int64_t c = 0; c < 3; ++c)
        for (int64_t i = 0; i < HW; ++i)
            p[c * HW + i] = clamp01(factor * p[c * HW + i] + (1.f - factor) * gray[size_t(i)]);
    return img;
}

// RGB -> HSV, h += shift (mod 1), HSV -> RGB, per pixel (torchvision's _rgb2hsv / _hsv2rgb).
Tensor adjust_hue(Tensor img, float shift) {
    check_image(img, "adjust_hue");
    CT_CHECK_AS(ValueError, shift >= -0.5f && shift <= 0.5f, "adjust_hue: shift must be in [-0.5, 0.5], got " << shift);
    if (img.size(0) == 1) return img;
    const int64_t HW = img.size(1) * img.size(2);
    float* R = img.data();
    float* G = R + HW;
    float* B = G + HW;
    for (int64_t i = 0; i < HW; ++i) {
        const float r = R[i], g = G[i], b = B[i];
        const float maxc = std::max(r, std::max(g, b)), minc = std::min(r, std::min(g, b));
        const float range = maxc - minc;
        const float s = maxc > 0 ? range / maxc : 0.f;
        float h = 0;
        if (range > 0) {
            if (maxc == r) h = (g - b) / range;
            else if (maxc == g) h = 2.f + (b - r) / range;
            else h = 4.f + (r - g) / range;
            h /= 6.f;
        }
        h = h + shift;
        h -= std::floor(h);                       // into [0, 1)
        const float v = maxc, h6 = h * 6.f;
        const int sector = int(std::floor(h6)) % 6;
        const float f = h6 - std::floor(h6);
        const float pp = clamp01(v * (1 - s)), q = clamp01(v * (1 - s * f)), t = clamp01(v * (1 - s * (1 - f)));
        const std::array<std::array<float, 3>, 6> rgb = {{{v, t, pp}, {q, v, pp}, {pp, v, t},
                                                          {pp, q, v}, {t, pp, v}, {v, pp, q}}};
        R[i] = rgb[size_t(sector)][0];
        G[i] = rgb[size_t(sector)][1];
        B[i] = rgb[size_t(sector)][2];
    }
    return img;
}

Tensor rgb_to_grayscale(const Tensor& img, int64_t out_channels) {
    check_image(img, "rgb_to_grayscale");
    CT_CHECK(out_channels == 1 || out_channels == 3,
             "rgb_to_grayscale: out_channels must be 1 or 3, got " << out_channels);
    std::vector<float> gray;
    gray_plane(img, gray);
    const int64_t HW = int64_t(gray.size());
    Tensor out = Tensor::empty({out_channels, img.size(1), img.size(2)});
    for (int64_t c = 0; c < out_channels; ++c) std::copy(gray.begin(), gray.end(), out.data() + c * HW);
    return out;
}

// torchvision.transforms.ColorJitter: each factor drawn from its range, the four adjustments in a
// random permutation. Order matters (contrast after brightness sees a different mean).
Transform color_jitter(float brightness, float contrast, float saturation, float hue) {
    CT_CHECK_AS(ValueError, brightness >= 0 && contrast >= 0 && saturation >= 0 && hue >= 0 && hue <= 0.5f,
                "color_jitter: strengths must be >= 0 and hue <= 0.5; got brightness "
                    << brightness << ", contrast " << contrast << ", saturation " << saturation
                    << ", hue " << hue);
    return [=](Tensor img, Generator& gen) {
        check_image(img, "color_jitter");
        std::array<int, 4> order = {0, 1, 2, 3};
        for (int i = 3; i > 0; --i) std::swap(order[size_t(i)], order[size_t(gen.randint(i + 1))]);
        for (int op : order) {
            if (op == 0 && brightness > 0)
                img = adjust_brightness(std::move(img), gen.uniform(std::max(0.f, 1 - brightness), 1 + brightness));
            if (op == 1 && contrast > 0)
                img = adjust_contrast(std::move(img), gen.uniform(std::max(0.f, 1 - contrast), 1 + contrast));
            if (op == 2 && saturation > 0)
                img = adjust_saturation(std::move(img), gen.uniform(std::max(0.f, 1 - saturation), 1 + saturation));
            if (op == 3 && hue > 0) img = adjust_hue(std::move(img), gen.uniform(-hue, hue));
        }
        return img;
    };
}

Transform random_grayscale(float p) {
    CT_CHECK_AS(ValueError, p >= 0 && p <= 1, "random_grayscale: probability p must be in [0, 1], got " << p);
    return [p](Tensor img, Generator& gen) {
        return gen.bernoulli(p) ? rgb_to_grayscale(img, img.size(0)) : img;
    };
}

// Separable: a 1-D kernel exp(-x^2 / 2 sigma^2), normalised, along rows then columns, with
// reflect padding (mirror without repeating the edge pixel), as torchvision.
Tensor gaussian_blur(const Tensor& img, int64_t kernel_size, float sigma) {
    check_image(img, "gaussian_blur");
    const int64_t C = img.size(0), H = img.size(1), W = img.size(2), r = kernel_size / 2;
    CT_CHECK_AS(ValueError, kernel_size > 0 && kernel_size % 2 == 1 && sigma > 0 && r < H && r < W,
                "gaussian_blur: kernel_size must be odd, positive and smaller than twice the image "
                "side, sigma > 0; got kernel_size " << kernel_size << ", sigma " << sigma
                << ", image " << img.shape());
    std::vector<float> k(static_cast<size_t>(kernel_size));
    double total = 0;
    for (int64_t i = 0; i < kernel_size; ++i) total += k[size_t(i)] = std::exp(-0.5f * float((i - r) * (i - r)) / (sigma * sigma));
    for (float& v : k) v = float(v / total);
    auto reflect = [](int64_t i, int64_t n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); };
    Tensor tmp = Tensor::empty({C, H, W}), out = Tensor::empty({C, H, W});
    const float* src = img.data();
    float* t = tmp.data();
    float* o = out.data();
    for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < H; ++y)
            for (int64_t x = 0; x < W; ++x) {
                float acc = 0;
                for (int64_t j = -r; j <= r; ++j) acc += k[size_t(j + r)] * src[(c * H + y) * W + reflect(x + j, W)];
                t[(c * H + y) * W + x] = acc;
            }
    for (int64_t c = 0; c < C; ++c)
        for (int64_t y = 0; y < H; ++y)
            for (int64_t x = 0; x < W; ++x) {
                float acc = 0;
                for (int64_t j = -r; j <= r; ++j) acc += k[size_t(j + r)] * t[(c * H + reflect(y + j, H)) * W + x];
                o[(c * H + y) * W + x] = acc;
            }
    return out;
}

Transform random_gaussian_blur(int64_t kernel_size, std::pair<float, float> sigma, float p) {
    CT_CHECK_AS(ValueError, sigma.first > 0 && sigma.first <= sigma.second && p >= 0 && p <= 1,
                "random_gaussian_blur: need 0 < sigma.min <= sigma.max and p in [0, 1]; got sigma ("
                    << sigma.first << ", " << sigma.second << "), p " << p);
    return [=](Tensor img, Generator& gen) {
        if (!gen.bernoulli(p)) return img;
        return gaussian_blur(img, kernel_size, gen.uniform(sigma.first, sigma.second));
    };
}

}  // namespace transforms
}  // namespace ct
