// Data augmentation on single images (C,H,W) float in [0,1], after torchvision.transforms.
// A Transform draws all its randomness from the Generator it is handed; the loader derives one
// per (seed, epoch, sample) so augmented batches do not depend on the number of threads.
// A transform may modify its input in place and return it: pass an image you own (Dataset::image
// returns a fresh one). Geometric ops are in transforms_geometric.cpp, colour ops in
// transforms_color.cpp, the rest (composition, flip, erasing, normalisation) in transforms.cpp.
#pragma once
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace ct {

using Transform = std::function<Tensor(Tensor image, Generator& gen)>;   // (C,H,W) -> (C,H',W')

namespace transforms {

// ---- deterministic functions on one image (C,H,W), like torchvision.transforms.functional
// Bilinear, align_corners=False, no antialiasing (torch.nn.functional.interpolate's convention).
Tensor resize(const Tensor& img, int64_t height, int64_t width);
Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width);
Tensor resized_crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
                    int64_t out_height, int64_t out_width);
Tensor hflip(Tensor img);                                        // in place
// Rotation by angle degrees (counter-clockwise), then scale, then shift by (tx, ty) pixels, about
// the image centre; nearest neighbour, `fill` outside (torchvision's RandomAffine defaults).
Tensor affine(const Tensor& img, float angle, float tx, float ty, float scale = 1.f, float fill = 0.f);
Tensor erase(Tensor img, int64_t top, int64_t left, int64_t height, int64_t width, float value = 0.f);
Tensor normalize_image(Tensor img, const std::vector<float>& mean, const std::vector<float>& std);
// Colour (3-channel; on 1-channel images saturation and hue leave the image unchanged).
Tensor adjust_brightness(Tensor img, float factor);              // img * f, clamped to [0,1]
Tensor adjust_contrast(Tensor img, float factor);                // blend with the mean gray level
Tensor adjust_saturation(Tensor img, float factor);              // blend with the grayscale image
Tensor adjust_hue(Tensor img, float shift);                      // rotate hue by shift in [-0.5, 0.5]
Tensor rgb_to_grayscale(const Tensor& img, int64_t out_channels); // 0.299 R + 0.587 G + 0.114 B
Tensor gaussian_blur(const Tensor& img, int64_t kernel_size, float sigma);   // reflect padding

// ---- random transforms (the torchvision classes); p is the probability of applying
Transform compose(std::vector<Transform> steps);
Transform random_apply(Transform t, float p);
Transform normalize(std::vector<float> mean, std::vector<float> std);
Transform random_horizontal_flip(float p = 0.5f);
Transform random_resized_crop(int64_t size, std::pair<float, float> scale = {0.08f, 1.f},
                              std::pair<float, float> ratio = {3.f / 4.f, 4.f / 3.f});
// Factors drawn from [max(0, 1-b), 1+b] etc., hue shift from [-h, h], applied in a random order;
// a zero strength skips that adjustment (so all zeros is the identity).
Transform color_jitter(float brightness, float contrast, float saturation, float hue);
Transform random_grayscale(float p = 0.1f);
Transform random_gaussian_blur(int64_t kernel_size, std::pair<float, float> sigma = {0.1f, 2.f},
                               float p = 1.f);
Transform random_rotation(float degrees);                         // angle from [-degrees, degrees]
// translate: maximum shift as a fraction of width and height (MNIST: {0.1, 0.1}).
Transform random_affine(float degrees, std::pair<float, float> translate = {0.f, 0.f},
                        std::pair<float, float> scale = {1.f, 1.f});
// Erases a random rectangle (area fraction from scale, aspect from ratio) with value (cutout).
Transform random_erasing(float p = 0.5f, std::pair<float, float> scale = {0.02f, 0.33f},
                         std::pair<float, float> ratio = {0.3f, 3.3f}, float value = 0.f);

// ---- pipelines
// Two independent augmentations of each image (SimCLR, SupCon); the loader stacks the views.
std::vector<Transform> two_views(Transform t);
// SimCLR's pipeline (Chen et al. 2020): random resized crop, flip, colour jitter with p = 0.8,
// grayscale p = 0.2. `strength` is SimCLR's colour strength s: jitter (0.8s, 0.8s, 0.8s, 0.2s);
// the default 0.5 is their CIFAR-10 setting, (0.4, 0.4, 0.4, 0.1). The crop keeps between
// `min_crop_area` and all of the image: SimCLR's 0.08; MoCo's CIFAR recipes use 0.2.
Transform simclr_augment(int64_t size, float strength = 0.5f, float min_crop_area = 0.08f);
// MNIST: small shifts and rotations that keep digits readable.
Transform mnist_augment(float degrees = 10.f, float shift = 0.1f);

}  // namespace transforms
}  // namespace ct
