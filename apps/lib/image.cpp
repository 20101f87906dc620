// The RGB canvas; see image.h. Anti-aliasing is coverage by distance: a pixel whose centre lies
// within the shape's edge +- half a pixel gets the matching fraction of the colour.
#include "apps/lib/image.h"

#include <algorithm>
#include <cmath>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop
#include <stb/stb_image_write.h>

namespace ct {

namespace {
float clamp01(float v) { return v < 0.f ? 0.f : (v > 1.f ? 1.f : v); }

// stb_easy_font's quads for one line of text: each quad is 4 vertices of (x, y, z, rgba) = 16 bytes.
struct Quad {
    float x0, y0, x1, y1;
};
std::vector<Quad> text_quads(const std::string& text) {
    // 64 bytes per quad and up to ~12 quads per glyph (the header's "270 bytes per character" is
    // an average: a string of digits overflows it and loses segments)
    std::vector<char> buffer(text.size() * 1024 + 64);
    std::string s = text;
    unsigned char rgba[4] = {0, 0, 0, 255};
    const int n = stb_easy_font_print(0, 0, &s[0], rgba, buffer.data(), int(buffer.size()));
    std::vector<Quad> quads;
    for (int q = 0; q < n; ++q) {
        const float* v = reinterpret_cast<const float*>(buffer.data() + q * 64);
        // vertices 0 and 2 are opposite corners (x, y at offsets 0, 1 and 8, 9 floats)
        quads.push_back({std::min(v[0], v[8]), std::min(v[1], v[9]), std::max(v[0], v[8]), std::max(v[1], v[9])});
    }
    return quads;
}
}  // namespace

Image::Image(int width, int height, Color background) : width_(width), height_(height) {
    CT_CHECK(width > 0 && height > 0 && int64_t(width) * height <= (int64_t(1) << 28),
             "Image: size " << width << "x" << height << " must be positive and at most 2^28 pixels");
    rgb_.resize(size_t(width) * size_t(height) * 3);
    for (size_t i = 0; i < rgb_.size(); i += 3) {
        rgb_[i] = background.r;
        rgb_[i + 1] = background.g;
        rgb_[i + 2] = background.b;
    }
}

Color Image::pixel(int x, int y) const {
    CT_CHECK(x >= 0 && y >= 0 && x < width_ && y < height_,
             "Image::pixel: (" << x << ", " << y << ") outside the " << width_ << "x" << height_ << " canvas");
    const uint8_t* p = &rgb_[(size_t(y) * size_t(width_) + size_t(x)) * 3];
    return {p[0], p[1], p[2]};
}

void Image::paste(const Image& src, int x0, int y0) {
    for (int y = 0; y < src.height(); ++y)
        for (int x = 0; x < src.width(); ++x) blend(x0 + x, y0 + y, src.pixel(x, y));
}

void Image::blend(int x, int y, Color c, float alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0.f) return;
    uint8_t* p = &rgb_[(size_t(y) * size_t(width_) + size_t(x)) * 3];
    if (alpha >= 1.f) {
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
        return;
    }
    p[0] = uint8_t(std::lround(p[0] + (c.r - p[0]) * alpha));
    p[1] = uint8_t(std::lround(p[1] + (c.g - p[1]) * alpha));
    p[2] = uint8_t(std::lround(p[2] + (c.b - p[2]) * alpha));
}

void Image::fill_rect(int x, int y, int w, int h, Color c, float alpha) {
    const int x0 = std::max(x, 0), y0 = std::max(y, 0), x1 = std::min(x + w, width_), y1 = std::min(y + h, height_);
    for (int j = y0; j < y1; ++j)
        for (int i = x0; i < x1; ++i) blend(i, j, c, alpha);
}

void Image::draw_rect(int x, int y, int w, int h, Color c, int thickness) {
    const int t = std::min({thickness, w, h});
    fill_rect(x, y, w, t, c);
    fill_rect(x, y + h - t, w, t, c);
    fill_rect(x, y + t, t, h - 2 * t, c);
    fill_rect(x + w - t, y + t, t, h - 2 * t, c);
}

void Image::draw_line(float x0, float y0, float x1, float y1, Color c, float thickness, float alpha) {
    const float half = thickness / 2;
    const int bx0 = int(std::floor(std::min(x0, x1) - half - 1)), bx1 = int(std::ceil(std::max(x0, x1) + half + 1));
    const int by0 = int(std::floor(std::min(y0, y1) - half - 1)), by1 = int(std::ceil(std::max(y0, y1) + half + 1));
    const float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int j = std::max(by0, 0); j <= std::min(by1, height_ - 1); ++j)
        for (int i = std::max(bx0, 0); i <= std::min(bx1, width_ - 1); ++i) {
            const float px = i + 0.5f, py = j + 0.5f;
            // distance from the pixel centre to the segment
            const float t = len2 > 0 ? clamp01(((px - x0) * dx + (py - y0) * dy) / len2) : 0.f;
            const float ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
            const float coverage = clamp01(half + 0.5f - std::sqrt(ex * ex + ey * ey));
            blend(i, j, c, coverage * alpha);
        }
}

void Image::fill_circle(float cx, float cy, float radius, Color c, float alpha) {
    for (int j = std::max(int(cy - radius - 1), 0); j <= std::min(int(cy + radius + 1), height_ - 1); ++j)
        for (int i = std::max(int(cx - radius - 1), 0); i <= std::min(int(cx + radius + 1), width_ - 1); ++i) {
            const float d = std::hypot(i + 0.5f - cx, j + 0.5f - cy);
            blend(i, j, c, clamp01(radius + 0.5f - d) * alpha);
        }
}

void Image::draw_circle(float cx, float cy, float radius, Color c, float thickness) {
    const float half = thickness / 2;
    for (int j = std::max(int(cy - radius - half - 1), 0); j <= std::min(int(cy + radius + half + 1), height_ - 1); ++j)
        for (int i = std::max(int(cx - radius - half - 1), 0); i <= std::min(int(cx + radius + half + 1), width_ - 1); ++i) {
            const float d = std::fabs(std::hypot(i + 0.5f - cx, j + 0.5f - cy) - radius);
            blend(i, j, c, clamp01(half + 0.5f - d));
        }
}

void Image::draw_text(int x, int y, const std::string& text, Color c, int scale) {
    for (const Quad& q : text_quads(text))
        fill_rect(x + int(q.x0) * scale, y + int(q.y0) * scale, int(q.x1 - q.x0) * scale, int(q.y1 - q.y0) * scale, c);
}

void Image::draw_text_vertical(int x, int y, const std::string& text, Color c, int scale) {
    const int w = text_width(text, 1);
    // text-space (u, v) goes to (x + v, y + w - u): a quarter turn anticlockwise
    for (const Quad& q : text_quads(text))
        fill_rect(x + int(q.y0) * scale, y + (w - int(q.x1)) * scale, int(q.y1 - q.y0) * scale,
                  int(q.x1 - q.x0) * scale, c);
}

int Image::text_width(const std::string& text, int scale) {
    std::string s = text;
    return stb_easy_font_width(&s[0]) * scale;
}

int Image::text_height(int scale) { return 10 * scale; }   // caps 7 rows, descenders to row 9

void Image::draw_tensor(const Tensor& img, int x, int y, int scale) {
    CT_CHECK(img.dim() == 3 && (img.size(0) == 1 || img.size(0) == 3),
             "Image::draw_tensor: image " << img.shape() << " must be (C,H,W) with C = 1 or 3");
    CT_CHECK(scale >= 1, "Image::draw_tensor: scale must be at least 1, got " << scale);
    const int64_t C = img.size(0), H = img.size(1), W = img.size(2);
    const float* p = img.data();
    auto byte = [](float v) { return uint8_t(std::lround(clamp01(v) * 255.f)); };
    for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) {
            const float r = p[i * W + j], g = p[(C == 3 ? H * W : 0) + i * W + j], b = p[(C == 3 ? 2 * H * W : 0) + i * W + j];
            fill_rect(x + int(j) * scale, y + int(i) * scale, scale, scale, {byte(r), byte(g), byte(b)});
        }
}

void Image::save_png(const std::string& path) const {
    const int ok = stbi_write_png(path.c_str(), width_, height_, 3, rgb_.data(), width_ * 3);
    CT_CHECK_AS(IoError, ok != 0, "save_png: cannot write " << path << ": check the directory exists and is writable");
}

}  // namespace ct
