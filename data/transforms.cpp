// Composition, flips, erasing, normalisation and the ready-made pipelines. Transforms are plain
// loops (no OpenMP, no ops): they run on the loader's std::threads beside a BLAS-heavy training step.
#include "data/transforms.h"

#include <algorithm>
#include <cmath>

namespace ct {
namespace transforms {

namespace {
void check_image(const Tensor& img, const char* op) {
    CT_CHECK(img.defined() && img.dim() == 3, op << ": expected one image (C,H,W), got "
                                                 << (img.defined() ? to_string(img.shape()) : "undefined"));
}
void check_probability(float p, const char* op) {
    CT_CHECK_AS(ValueError, p >= 0.f && p <= 1.f, op << ": probability p must be in [0, 1], got " << p);
}
}  // namespace

Transform compose(std::vector<Transform> steps) {
    return [steps = std::move(steps)](Tensor img, Generator& gen) {
        for (const Transform& t : steps) img = t(std::move(img), gen);
        return img;
    };
}

Transform random_apply(Transform t, float p) {
    check_probability(p, "random_apply");
    return [t = std::move(t), p](Tensor img, Generator& gen) {
        return gen.bernoulli(p) ? t(std::move(img), gen) : img;
    };
}

Tensor hflip(Tensor img) {
    check_image(img, "hflip");
    const int64_t rows = img.size(0) * img.size(1), W = img.size(2);
    float* p = img.data();
    for (int64_t r = 0; r < rows; ++r) std::reverse(p + r * W, p + (r + 1) * W);
    return img;
}

Transform random_horizontal_flip(float p) {
    check_probability(p, "random_horizontal_flip");
    return [p](Tensor img, Generator& gen) { return gen.bernoulli(p) ? hflip(std::move(img)) : img; };
}

Tensor erase(Tensor img, int64_t top, int64_t left, int64_t height, int64_t width, float value) {
    check_image(img, "erase");
    const int64_t C = img.size(0), H = img.size(1), W = img.size(2);
    CT_CHECK(top >= 0 && left >= 0 && height >= 0 && width >= 0 && top + height <= H && left + width <= W,
             "erase: rectangle (top " << top << ", left " << left << ", " << height << "x" << width
                                      << ") does not fit an image " << img.shape());
    float* p = img.data();
    for (int64_t c = 0; c < C; ++c)
        for (int64_t y = top; y < top + height; ++y)
            std::fill(p + (c * H + y) * W + left, p + (c * H + y) * W + left + width, value);
    return img;
}

// torchvision.transforms.RandomErasing.get_params: ten tries at a rectangle that fits, else no-op.
Transform random_erasing(float p, std::pair<float, float> scale, std::pair<float, float> ratio, float value) {
    check_probability(p, "random_erasing");
    CT_CHECK_AS(ValueError, scale.first > 0 && scale.first <= scale.second && ratio.first > 0 &&
                                ratio.first <= ratio.second,
                "random_erasing: need 0 < scale.min <= scale.max and 0 < ratio.min <= ratio.max, got scale ("
                    << scale.first << ", " << scale.second << ") ratio (" << ratio.first << ", "
                    << ratio.second << ")");
    return [=](Tensor img, Generator& gen) {
        check_image(img, "random_erasing");
        if (!gen.bernoulli(p)) return img;
        const int64_t H = img.size(1), W = img.size(2);
        const float area = float(H * W);
        for (int attempt = 0; attempt < 10; ++attempt) {
            const float target = area * gen.uniform(scale.first, scale.second);
            const float aspect = std::exp(gen.uniform(std::log(ratio.first), std::log(ratio.second)));
            const int64_t h = std::lround(std::sqrt(target * aspect));
            const int64_t w = std::lround(std::sqrt(target / aspect));
            if (h < H && w < W && h > 0 && w > 0) {
                const int64_t top = gen.randint(H - h + 1), left = gen.randint(W - w + 1);
                return erase(std::move(img), top, left, h, w, value);
            }
        }
        return img;
    };
}

Tensor normalize_image(Tensor img, const std::vector<float>& mean, const std::vector<float>& std) {
    check_image(img, "normalize");
    const int64_t C = img.size(0), HW = img.size(1) * img.size(2);
    CT_CHECK(int64_t(mean.size()) == C && int64_t(std.size()) == C,
             "normalize: image " << img.shape() << " has " << C << " channels but mean has "
                                 << mean.size() << " and std " << std.size() << " values");
    float* p = img.data();
    for (int64_t c = 0; c < C; ++c) {
        const float m = mean[size_t(c)], inv = 1.f / std[size_t(c)];
        for (int64_t i = 0; i < HW; ++i) p[c * HW + i] = (p[c * HW + i] - m) * inv;
    }
    return img;
}

Transform normalize(std::vector<float> mean, std::vector<float> std) {
    for (float s : std) CT_CHECK_AS(ValueError, s > 0, "normalize: std values must be > 0, got " << s);
    return [mean = std::move(mean), std = std::move(std)](Tensor img, Generator&) {
        return normalize_image(std::move(img), mean, std);
    };
}

std::vector<Transform> two_views(Transform t) { return {t, t}; }

Transform simclr_augment(int64_t size, float strength, float min_crop_area) {
    const float s = strength;   // SimCLR's colour strength: jitter (0.8s, 0.8s, 0.8s, 0.2s)
    return compose({random_resized_crop(size, {min_crop_area, 1.f}), random_horizontal_flip(0.5f),
                    random_apply(color_jitter(0.8f * s, 0.8f * s, 0.8f * s, 0.2f * s), 0.8f),
                    random_grayscale(0.2f)});
}

Transform mnist_augment(float degrees, float shift) {
    return random_affine(degrees, {shift, shift});
}

}  // namespace transforms
}  // namespace ct
