// Augmentations (data/transforms.h): invariants (sizes, flip twice, zero jitter, full-size crop),
// values against independent references (PyTorch's interpolate, Python's colorsys, double loops),
// and argument errors. Thread-count independence of augmented batches is in test_data_loader.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "data/transforms.h"

namespace tf = ct::transforms;

namespace {

ct::Tensor random_image(int64_t C, int64_t H, int64_t W, uint64_t seed) {
    ct::Generator gen(seed);
    return ct::Tensor::rand({C, H, W}, gen);
}

// max |a - b| <= tol (tol 0: bit-exact).
void check_close(const ct::Tensor& a, const ct::Tensor& b, double tol = 1e-6) {
    REQUIRE(a.shape() == b.shape());
    const std::vector<float> x = a.to_vector(), y = b.to_vector();
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < x.size(); ++i)
        if (std::abs(double(x[i]) - y[i]) > worst) worst = std::abs(double(x[i]) - y[i]), at = i;
    CAPTURE(at);
    CHECK(worst <= tol);
}

ct::Tensor pixel(float r, float g, float b) { return ct::Tensor::from_vector({r, g, b}, {3, 1, 1}); }

}  // namespace

TEST_CASE("transforms: bilinear resize matches torch.nn.functional.interpolate") {
    // x = torch.arange(12.).reshape(1,1,3,4)
    // F.interpolate(x, size=(5,3), mode='bilinear', align_corners=False).flatten().tolist()
    const ct::Tensor x = ct::Tensor::arange(12).clone();
    const ct::Tensor img = ct::Tensor::from_vector(x.to_vector(), {1, 3, 4});
    const std::vector<float> down_up = {0.1666667f, 1.5f, 2.8333333f, 1.7666667f, 3.1f, 4.4333333f, 4.1666667f, 5.5f,
                                        6.8333333f, 6.5666667f, 7.9f, 9.2333333f, 8.1666667f, 9.5f, 10.833333f};
    check_close(tf::resize(img, 5, 3), ct::Tensor::from_vector(down_up, {1, 5, 3}), 1e-5);
    // F.interpolate(x, size=(2,6), ...)
    const std::vector<float> up_down = {1.0f, 1.5f, 2.1666667f, 2.8333333f, 3.5f, 4.0f,
                                        7.0f, 7.5f, 8.1666667f, 8.8333333f, 9.5f, 10.0f};
    check_close(tf::resize(img, 2, 6), ct::Tensor::from_vector(up_down, {1, 2, 6}), 1e-5);
    check_close(tf::resize(img, 3, 4), img);   // same size: the identity
}

TEST_CASE("transforms: crop and flip") {
    const ct::Tensor img = random_image(3, 5, 6, 1);
    const ct::Tensor c = tf::crop(img, 1, 2, 3, 4);
    CHECK(c.shape() == ct::Shape{3, 3, 4});
    CHECK(c.at({2, 0, 0}) == img.at({2, 1, 2}));
    CHECK(c.at({1, 2, 3}) == img.at({1, 3, 5}));
    SUBCASE("flip reverses each row; twice is the identity") {
        const ct::Tensor f = tf::hflip(img.clone());
        CHECK(f.at({0, 0, 0}) == img.at({0, 0, 5}));
        CHECK(f.at({2, 4, 1}) == img.at({2, 4, 4}));
        check_close(tf::hflip(f), img, 0);
    }
    SUBCASE("random flip with p = 1 and p = 0") {
        ct::Generator gen(3);
        check_close(tf::random_horizontal_flip(1.f)(img.clone(), gen), tf::hflip(img.clone()), 0);
        check_close(tf::random_horizontal_flip(0.f)(img.clone(), gen), img, 0);
    }
}

TEST_CASE("transforms: random resized crop") {
    ct::Generator gen(7);
    const ct::Tensor img = random_image(3, 32, 32, 2);
    SUBCASE("scale (1,1) and ratio (1,1) on a square image is the identity") {
        check_close(tf::random_resized_crop(32, {1.f, 1.f}, {1.f, 1.f})(img.clone(), gen), img);
    }
    SUBCASE("output size and range for the SimCLR defaults") {
        for (int i = 0; i < 20; ++i) {
            const ct::Tensor out = tf::random_resized_crop(24)(random_image(3, 40, 30, uint64_t(i)), gen);
            CHECK(out.shape() == ct::Shape{3, 24, 24});
            for (float v : out.to_vector()) REQUIRE((v >= 0.f && v <= 1.f));   // bilinear stays in range
        }
    }
    SUBCASE("arguments") {
        CHECK_THROWS_WITH_AS(tf::random_resized_crop(32, {0.5f, 0.1f}), doctest::Contains("scale (0.5, 0.1)"),
                             ct::ValueError);
        CHECK_THROWS_WITH_AS(tf::resized_crop(img, 30, 0, 5, 5, 8, 8),
                             doctest::Contains("resized_crop: window (top 30, left 0, 5x5) does not fit an image [3, 32, 32]"),
                             ct::ShapeError);
    }
}

TEST_CASE("transforms: colour adjustments") {
    SUBCASE("brightness multiplies and clamps") {
        check_close(tf::adjust_brightness(pixel(0.2f, 0.5f, 0.9f), 1.5f), pixel(0.3f, 0.75f, 1.0f));
    }
    SUBCASE("contrast blends with the mean gray level") {
        // gray = 0.299*0.2 + 0.587*0.5 + 0.114*0.9 = 0.4559 (one pixel: also the mean); f = 0.5
        // out = 0.5 x + 0.5 * 0.4559
        check_close(tf::adjust_contrast(pixel(0.2f, 0.5f, 0.9f), 0.5f), pixel(0.32795f, 0.47795f, 0.67795f), 1e-5);
    }
    SUBCASE("saturation blends with the pixel's gray; 0 gives gray") {
        check_close(tf::adjust_saturation(pixel(0.2f, 0.5f, 0.9f), 0.f), pixel(0.4559f, 0.4559f, 0.4559f), 1e-5);
    }
    SUBCASE("hue rotation matches Python's colorsys") {
        // h,s,v = colorsys.rgb_to_hsv(r,g,b); colorsys.hsv_to_rgb((h + shift) % 1, s, v)
        check_close(tf::adjust_hue(pixel(0.8f, 0.2f, 0.4f), 0.25f), pixel(0.7f, 0.8f, 0.2f), 1e-5);
        check_close(tf::adjust_hue(pixel(0.8f, 0.2f, 0.4f), -0.1f), pixel(0.8f, 0.2f, 0.76f), 1e-5);
        check_close(tf::adjust_hue(pixel(0.1f, 0.5f, 0.3f), 0.25f), pixel(0.1f, 0.1f, 0.5f), 1e-5);
        check_close(tf::adjust_hue(pixel(0.25f, 0.25f, 0.9f), -0.1f), pixel(0.25f, 0.64f, 0.9f), 1e-5);
    }
    SUBCASE("grayscale keeps the channel count asked for") {
        const ct::Tensor g = tf::rgb_to_grayscale(pixel(0.2f, 0.5f, 0.9f), 3);
        check_close(g, pixel(0.4559f, 0.4559f, 0.4559f), 1e-5);
        CHECK(tf::rgb_to_grayscale(pixel(0.2f, 0.5f, 0.9f), 1).shape() == ct::Shape{1, 1, 1});
    }
    SUBCASE("jitter with zero strength is the identity") {
        ct::Generator gen(5);
        const ct::Tensor img = random_image(3, 8, 8, 4);
        check_close(tf::color_jitter(0, 0, 0, 0)(img.clone(), gen), img, 0);
    }
    SUBCASE("jitter keeps values in [0,1] and changes the image") {
        ct::Generator gen(6);
        const ct::Tensor img = random_image(3, 8, 8, 4);
        const ct::Tensor out = tf::color_jitter(0.4f, 0.4f, 0.4f, 0.1f)(img.clone(), gen);
        double diff = 0;
        const std::vector<float> a = out.to_vector(), b = img.to_vector();
        for (size_t i = 0; i < a.size(); ++i) {
            REQUIRE((a[i] >= 0.f && a[i] <= 1.f));
            diff += std::abs(a[i] - b[i]);
        }
        CHECK(diff > 1.0);
    }
    SUBCASE("1-channel images: saturation and hue leave them alone") {
        const ct::Tensor g = random_image(1, 4, 4, 9);
        check_close(tf::adjust_hue(g.clone(), 0.3f), g, 0);
        check_close(tf::adjust_saturation(g.clone(), 0.3f), g, 0);
    }
    SUBCASE("errors") {
        CHECK_THROWS_WITH_AS(tf::adjust_hue(pixel(0, 0, 0), 0.7f), doctest::Contains("adjust_hue: shift must be in [-0.5, 0.5], got 0.7"),
                             ct::ValueError);
        CHECK_THROWS_WITH_AS(tf::adjust_brightness(random_image(2, 3, 3, 1), 1.f),
                             doctest::Contains("adjust_brightness: expected one image (C,H,W) with C = 1 or 3, got [2, 3, 3]"),
                             ct::ShapeError);
    }
}

TEST_CASE("transforms: gaussian blur equals a direct 2-D convolution with reflect padding") {
    const ct::Tensor img = random_image(1, 6, 7, 11);
    const int64_t k = 5, r = 2;
    const double sigma = 1.3;
    const ct::Tensor out = tf::gaussian_blur(img, k, float(sigma));
    auto reflect = [](int64_t i, int64_t n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); };
    double norm = 0;
    for (int64_t i = -r; i <= r; ++i) norm += std::exp(-0.5 * i * i / (sigma * sigma));
    for (int64_t y = 0; y < 6; ++y)
        for (int64_t x = 0; x < 7; ++x) {
            double acc = 0;   // 2-D kernel w(i) w(j) / norm^2, summed directly (not separably)
            for (int64_t i = -r; i <= r; ++i)
                for (int64_t j = -r; j <= r; ++j)
                    acc += std::exp(-0.5 * (i * i + j * j) / (sigma * sigma)) / (norm * norm) *
                           img.at({0, reflect(y + i, 6), reflect(x + j, 7)});
            CHECK(out.at({0, y, x}) == doctest::Approx(acc).epsilon(1e-5));
        }
    CHECK_THROWS_WITH_AS(tf::gaussian_blur(img, 4, 1.f), doctest::Contains("kernel_size must be odd"), ct::ValueError);
}

TEST_CASE("transforms: affine rotation and shift") {
    // A 3x3 image 1..9; rotating 90 degrees counter-clockwise gives numpy.rot90:
    //   1 2 3      3 6 9
    //   4 5 6  ->  2 5 8
    //   7 8 9      1 4 7
    const ct::Tensor img = ct::Tensor::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3});
    check_close(tf::affine(img, 90.f, 0, 0), ct::Tensor::from_vector({3, 6, 9, 2, 5, 8, 1, 4, 7}, {1, 3, 3}));
    // shift right by one pixel and down by one, zero fill
    check_close(tf::affine(img, 0.f, 1.f, 1.f), ct::Tensor::from_vector({0, 0, 0, 0, 1, 2, 0, 4, 5}, {1, 3, 3}));
    // random_affine with no range is the identity; with a shift range the ink moves at most that far
    ct::Generator gen(1);
    check_close(tf::random_affine(0.f)(img.clone(), gen), img, 0);
    const ct::Tensor digit = random_image(1, 28, 28, 3);
    CHECK(tf::mnist_augment()(digit.clone(), gen).shape() == ct::Shape{1, 28, 28});
}

TEST_CASE("transforms: erasing and normalisation") {
    const ct::Tensor img = ct::Tensor::ones({3, 4, 4});
    const ct::Tensor e = tf::erase(img.clone(), 1, 2, 2, 1, 0.f);
    double sum = 0;
    for (float v : e.to_vector()) sum += v;
    CHECK(sum == 48 - 3 * 2);   // 2x1 rectangle in 3 channels
    CHECK(e.at({1, 2, 2}) == 0.f);
    ct::Generator gen(2);
    const ct::Tensor r = tf::random_erasing(1.f, {0.25f, 0.25f}, {1.f, 1.f})(img.clone(), gen);
    sum = 0;
    for (float v : r.to_vector()) sum += v;
    CHECK(sum == 48 - 3 * 4);   // area 0.25 * 16 = 4 pixels, square
    // (x - mean) / std per channel
    const ct::Tensor n = tf::normalize({0.5f, 0.f, 1.f}, {0.5f, 2.f, 1.f})(pixel(1.f, 1.f, 0.f), gen);
    check_close(n, pixel(1.f, 0.5f, -1.f));
    CHECK_THROWS_WITH_AS(tf::normalize_image(pixel(0, 0, 0), {0.5f}, {1.f}),
                         doctest::Contains("normalize: image [3, 1, 1] has 3 channels but mean has 1"), ct::ShapeError);
}

TEST_CASE("transforms: compose, random_apply and the SimCLR pipeline") {
    ct::Generator gen(9);
    const ct::Tensor img = random_image(3, 32, 32, 5);
    const ct::Transform twice = tf::compose({tf::random_horizontal_flip(1.f), tf::random_horizontal_flip(1.f)});
    check_close(twice(img.clone(), gen), img, 0);
    check_close(tf::random_apply(tf::random_horizontal_flip(1.f), 0.f)(img.clone(), gen), img, 0);
    // same generator state -> same augmentation; different state -> different one
    ct::Generator g1 = ct::Generator::for_sample(1, 0, 5), g2 = ct::Generator::for_sample(1, 0, 5);
    ct::Generator g3 = ct::Generator::for_sample(1, 0, 6);
    const ct::Transform aug = tf::simclr_augment(32);
    const ct::Tensor a = aug(img.clone(), g1), b = aug(img.clone(), g2), c = aug(img.clone(), g3);
    check_close(a, b, 0);
    CHECK(a.shape() == ct::Shape{3, 32, 32});
    CHECK(a.to_vector() != c.to_vector());
    CHECK(tf::two_views(aug).size() == 2);
    CHECK_THROWS_WITH_AS(tf::random_apply(aug, 1.5f), doctest::Contains("random_apply: probability p must be in [0, 1], got 1.5"),
                         ct::ValueError);
}

TEST_CASE("transforms: the SimCLR pipeline's smallest crop area") {
    // No colour jitter: what is left is the crop, the flip and grayscale. A smallest crop area of 1
    // keeps the whole image, so every view is the image, its mirror, or a gray copy of either;
    // SimCLR's 0.08 zooms in, and views stop matching those four.
    const ct::Tensor img = random_image(3, 32, 32, 11);
    std::vector<ct::Tensor> whole{img, tf::hflip(img.clone())};
    whole.push_back(tf::rgb_to_grayscale(whole[0], 3));
    whole.push_back(tf::rgb_to_grayscale(whole[1], 3));
    auto is_whole_image = [&](const ct::Tensor& view) {
        const std::vector<float> v = view.to_vector();
        for (const ct::Tensor& w : whole) {
            const std::vector<float> u = w.to_vector();
            bool same = true;
            for (size_t i = 0; i < v.size() && same; ++i) same = std::abs(v[i] - u[i]) <= 1e-5f;
            if (same) return true;
        }
        return false;
    };
    ct::Generator gen(21);
    const ct::Transform no_zoom = tf::simclr_augment(32, 0.f, 1.f), simclr = tf::simclr_augment(32, 0.f);
    int zoomed = 0;
    for (int i = 0; i < 30; ++i) {
        CHECK(is_whole_image(no_zoom(img.clone(), gen)));
        zoomed += !is_whole_image(simclr(img.clone(), gen));
    }
    CHECK(zoomed >= 25);
    CHECK_THROWS_WITH_AS(tf::simclr_augment(32, 0.5f, 0.f), doctest::Contains("scale (0, 1)"), ct::ValueError);
}
