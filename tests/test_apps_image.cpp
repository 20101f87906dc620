// apps/lib/image: the RGB canvas, its drawing primitives, text and PNG output.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include <stb/stb_image.h>

#include "apps/lib/image.h"

using namespace ct;

namespace {
std::string temp_png(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("contrast_test_apps_" + name + ".png")).string();
}
int count_color(const Image& img, Color c) {
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) n += img.pixel(x, y) == c;
    return n;
}
}  // namespace

TEST_CASE("apps image: drawing primitives") {
    Image img(40, 30, colors::white);
    SUBCASE("fill_rect paints exactly its box, clipped to the canvas") {
        img.fill_rect(35, 25, 10, 10, colors::red);   // 5x5 survive the clipping
        CHECK(count_color(img, colors::red) == 25);
        CHECK(img.pixel(39, 29) == colors::red);
        CHECK(img.pixel(34, 29) == colors::white);
    }
    SUBCASE("alpha blends: half red over white is (235, 148, 148)") {
        // 255 + (215 - 255) * .5 = 235;  255 + (40 - 255) * .5 = 147.5 -> 148
        img.blend(3, 4, colors::red, 0.5f);
        CHECK(img.pixel(3, 4) == Color{235, 148, 148});
    }
    SUBCASE("a filled circle covers its centre fully and stays inside radius + 1") {
        img.fill_circle(20.5f, 15.5f, 5.f, colors::green);
        CHECK(img.pixel(20, 15) == colors::green);
        CHECK(img.pixel(24, 15) == colors::green);   // centre 24.5 is 4 from the centre: inside
        CHECK(img.pixel(27, 15) == colors::white);   // 6.5 away: outside radius + 0.5
        // area pi r^2 = 78.5: full pixels a little fewer (edge pixels are blended)
        const int full = count_color(img, colors::green);
        CHECK(full > 60);
        CHECK(full < 79);
    }
    SUBCASE("a horizontal line of thickness 1 covers one row") {
        img.draw_line(5.f, 10.5f, 30.f, 10.5f, colors::black, 1.f);
        CHECK(img.pixel(15, 10) == colors::black);
        CHECK(img.pixel(15, 9) == colors::white);
        CHECK(img.pixel(15, 11) == colors::white);
    }
    SUBCASE("draw_rect outlines without filling") {
        img.draw_rect(2, 2, 10, 8, colors::black, 2);
        CHECK(img.pixel(2, 2) == colors::black);
        CHECK(img.pixel(3, 8) == colors::black);
        CHECK(img.pixel(6, 5) == colors::white);
        CHECK(count_color(img, colors::black) == 10 * 8 - 6 * 4);
    }
    SUBCASE("pixel outside the canvas is an error") {
        CHECK_THROWS_WITH_AS(img.pixel(40, 0), doctest::Contains("(40, 0) outside the 40x30 canvas"), ShapeError);
        CHECK_THROWS_WITH_AS(Image(0, 5), doctest::Contains("size 0x5 must be positive"), ShapeError);
    }
}

TEST_CASE("apps image: text") {
    SUBCASE("width grows with the string and the scale; ink stays inside the measured box") {
        const int w1 = Image::text_width("P@1 0.98", 1), w2 = Image::text_width("P@1 0.98", 2);
        CHECK(w1 > 30);
        CHECK(w2 == 2 * w1);
        Image img(w2 + 10, Image::text_height(2) + 10);
        img.draw_text(5, 5, "P@1 0.98", colors::black, 2);
        int ink = 0, outside = 0;
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x) {
                if (img.pixel(x, y) != colors::black) continue;
                ++ink;
                outside += x < 5 || x >= 5 + w2 || y < 5 || y >= 5 + Image::text_height(2);
            }
        CHECK(ink > 100);
        CHECK(outside == 0);
    }
    SUBCASE("every digit draws (a too-small vertex buffer once dropped the 8)") {
        Image a(200, 20), b(200, 20);
        a.draw_text(0, 0, "0123456789", colors::black);
        b.draw_text(0, 0, "012345679", colors::black);
        CHECK(count_color(a, colors::black) > count_color(b, colors::black));
    }
    SUBCASE("vertical text is the horizontal text turned a quarter anticlockwise") {
        const int w = Image::text_width("loss", 1), h = Image::text_height(1);
        Image horizontal(w, h), vertical(h, w);
        horizontal.draw_text(0, 0, "loss", colors::black);
        vertical.draw_text_vertical(0, 0, "loss", colors::black);
        int mismatches = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) mismatches += horizontal.pixel(x, y) != vertical.pixel(y, w - 1 - x);
        CHECK(mismatches == 0);
    }
}

TEST_CASE("apps image: tensors as pictures, and PNG output") {
    SUBCASE("grey and RGB images scale by nearest neighbour") {
        Image img(10, 10);
        img.draw_tensor(Tensor::from_vector({0.f, 1.f, 0.5f, 2.f}, {1, 2, 2}), 0, 0, 3);
        CHECK(img.pixel(0, 0) == colors::black);
        CHECK(img.pixel(5, 2) == colors::white);
        CHECK(img.pixel(2, 4) == Color{128, 128, 128});   // 0.5 * 255 = 127.5 -> 128
        CHECK(img.pixel(5, 5) == colors::white);          // 2 is clamped to 1
        img.draw_tensor(Tensor::from_vector({1.f, 0.f, 0.2f}, {3, 1, 1}), 8, 8, 1);
        CHECK(img.pixel(8, 8) == Color{255, 0, 51});
        CHECK_THROWS_WITH_AS(img.draw_tensor(Tensor::zeros({2, 4, 4}), 0, 0), doctest::Contains("image [2, 4, 4] must be (C,H,W) with C = 1 or 3"),
                             ShapeError);
    }
    SUBCASE("save_png writes a PNG that decodes to the same pixels") {
        Image img(7, 5, colors::white);
        img.fill_rect(1, 1, 2, 3, Color{10, 200, 30});
        const std::string path = temp_png("canvas");
        img.save_png(path);
        int w = 0, h = 0, c = 0;
        unsigned char* p = stbi_load(path.c_str(), &w, &h, &c, 3);
        REQUIRE(p != nullptr);
        CHECK(w == 7);
        CHECK(h == 5);
        CHECK(p[(2 * 7 + 1) * 3 + 1] == 200);   // pixel (1, 2), green channel
        CHECK(p[0] == 255);
        stbi_image_free(p);
        std::remove(path.c_str());
        CHECK_THROWS_WITH_AS(img.save_png("/nonexistent-dir/x.png"), doctest::Contains("cannot write /nonexistent-dir/x.png"),
                             IoError);
    }
}
