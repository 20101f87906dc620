// An RGB canvas for the pictures of `contrast` and the walkthroughs: blended drawing of lines,
// circles, rectangles, text (stb_easy_font's segment font, scaled by an integer) and tensors as
// images, saved as PNG through stb_image_write. Plots (axes, legends) are built on it in plot.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

struct Color {
    uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Color& o) const { return r == o.r && g == o.g && b == o.b; }
    bool operator!=(const Color& o) const { return !(*this == o); }
};

namespace colors {
constexpr Color white{255, 255, 255}, black{0, 0, 0}, gray{128, 128, 128}, light_gray{225, 225, 225};
constexpr Color green{30, 160, 60}, red{215, 40, 40};
}  // namespace colors

class Image {
public:
    Image(int width, int height, Color background = colors::white);
    int width() const { return width_; }
    int height() const { return height_; }
    Color pixel(int x, int y) const;             // throws ShapeError outside the canvas
    const uint8_t* data() const { return rgb_.data(); }   // rows of R,G,B bytes, top row first

    // Every drawing call clips to the canvas; alpha 1 paints over, alpha 0.5 mixes half and half.
    void blend(int x, int y, Color c, float alpha = 1.f);
    void fill_rect(int x, int y, int w, int h, Color c, float alpha = 1.f);
    void draw_rect(int x, int y, int w, int h, Color c, int thickness = 1);   // outline, inside the box
    // Lines and circles are anti-aliased by pixel coverage (distance to the shape), so thin curves
    // and small markers look smooth. Coordinates are pixel centres at integer + 0.5.
    void draw_line(float x0, float y0, float x1, float y1, Color c, float thickness = 1.f, float alpha = 1.f);
    void fill_circle(float cx, float cy, float radius, Color c, float alpha = 1.f);
    void draw_circle(float cx, float cy, float radius, Color c, float thickness = 1.f);

    // Text with its top-left corner at (x, y); scale multiplies the ~6x8-pixel glyphs.
    void draw_text(int x, int y, const std::string& text, Color c, int scale = 1);
    // Rotated a quarter turn anticlockwise (reads bottom to top), for y-axis labels; (x, y) is
    // the top-left corner of the rotated box.
    void draw_text_vertical(int x, int y, const std::string& text, Color c, int scale = 1);
    static int text_width(const std::string& text, int scale = 1);
    static int text_height(int scale = 1);   // of one line, including descenders

    // img:(C,H,W) with C = 1 (grey) or 3 (RGB), values in [0,1] (clamped), each pixel drawn as a
    // scale x scale block (nearest neighbour) with its top-left corner at (x, y).
    void draw_tensor(const Tensor& img, int x, int y, int scale = 1);
    // Another picture with its top-left corner at (x, y), clipped to this canvas.
    void paste(const Image& src, int x, int y);

    void save_png(const std::string& path) const;   // throws IoError naming the path

private:
    int width_, height_;
    std::vector<uint8_t> rgb_;
};

}  // namespace ct
