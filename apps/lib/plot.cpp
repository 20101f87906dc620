// Palettes, ticks, the axes frame, line charts and scatter plots; see plot.h. Image grids and
// heat-maps are in plot_images.cpp. Text is stb_easy_font at scale 2 (12-pixel capitals).
#include "apps/lib/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace ct {

namespace {

constexpr int kFont = 2;
const Color kGrid{232, 232, 232}, kAxis{60, 60, 60}, kText{30, 30, 30};

Color hex(uint32_t v) { return {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> lines;
    std::stringstream in(s);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The plotting rectangle and the data range it shows.
struct Frame {
    int x, y, w, h;
    double x0, x1, y0, y1;
    float px(double v) const { return float(x + (v - x0) / (x1 - x0) * w); }
    float py(double v) const { return float(y + h - (v - y0) / (y1 - y0) * h); }
};

// [lo, hi] widened by `margin` of its span on each side (a flat range gets +-0.5).
std::pair<double, double> padded(double lo, double hi, double margin) {
    if (!(hi > lo)) return {lo - 0.5, hi + 0.5};
    const double pad = (hi - lo) * margin;
    return {lo - pad, hi + pad};
}

// A title centred at x = center_x on an image `image_width` wide may use this much width.
int title_width(int image_width, int center_x) { return 2 * std::min(center_x, image_width - center_x) - 20; }

int title_height(const std::string& title, int max_width) {
    return int(wrap_text(title, max_width).size()) * (Image::text_height(kFont) + 6);
}

void draw_title(Image& img, const std::string& title, int center_x, int top) {
    int y = top;
    for (const std::string& line : wrap_text(title, title_width(img.width(), center_x))) {
        img.draw_text(center_x - Image::text_width(line, kFont) / 2, y, line, kText, kFont);
        y += Image::text_height(kFont) + 6;
    }
}

// Grid lines, the box, ticks with their labels, axis labels and the title around f.
void draw_frame(Image& img, const Frame& f, const std::string& x_label, const std::string& y_label,
                const std::string& title) {
    const std::vector<double> xt = nice_ticks(f.x0, f.x1, 7), yt = nice_ticks(f.y0, f.y1, 7);
    const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
    const int th = Image::text_height(kFont);
    for (double v : xt) {
        const int px = int(std::lround(f.px(v)));
        img.fill_rect(px, f.y, 1, f.h, kGrid);
        img.fill_rect(px, f.y + f.h, 1, 6, kAxis);
        const std::string s = format_tick(v, xstep);
        img.draw_text(px - Image::text_width(s, kFont) / 2, f.y + f.h + 10, s, kText, kFont);
    }
    int widest = 0;
    for (double v : yt) {
        const int py = int(std::lround(f.py(v)));
        img.fill_rect(f.x, py, f.w, 1, kGrid);
        img.fill_rect(f.x - 6, py, 6, 1, kAxis);
        const std::string s = format_tick(v, ystep);
        widest = std::max(widest, Image::text_width(s, kFont));
        img.draw_text(f.x - 10 - Image::text_width(s, kFont), py - th / 2 + 2, s, kText, kFont);
    }
    img.draw_rect(f.x - 1, f.y - 1, f.w + 2, f.h + 2, kAxis, 1);
    if (!x_label.empty())
        img.draw_text(f.x + f.w / 2 - Image::text_width(x_label, kFont) / 2, f.y + f.h + 16 + th, x_label, kText, kFont);
    if (!y_label.empty())
        img.draw_text_vertical(f.x - 22 - widest - th, f.y + f.h / 2 - Image::text_width(y_label, kFont) / 2, y_label,
                               kText, kFont);
    draw_title(img, title, f.x + f.w / 2, 12);
}

int legend_width(const std::vector<std::pair<std::string, Color>>& entries) {
    int w = 0;
    for (const auto& e : entries) w = std::max(w, Image::text_width(e.first, kFont));
    return w + 48;
}
int legend_height(const std::vector<std::pair<std::string, Color>>& entries) {
    return int(entries.size()) * (Image::text_height(kFont) + 8) + 10;
}

// A legend box at (x, y): one swatch (a short line, or a dot) and a name per entry.
void draw_legend(Image& img, int x, int y, const std::vector<std::pair<std::string, Color>>& entries, bool dots) {
    if (entries.empty()) return;
    const int row = Image::text_height(kFont) + 8, w = legend_width(entries), h = legend_height(entries);
    img.fill_rect(x, y, w, h, colors::white, 0.85f);
    img.draw_rect(x, y, w, h, {200, 200, 200}, 1);
    for (size_t i = 0; i < entries.size(); ++i) {
        const int cy = y + 5 + int(i) * row + row / 2;
        if (dots) img.fill_circle(x + 18.f, float(cy), 6.f, entries[i].second, 0.8f);
        else img.draw_line(x + 8.f, float(cy), x + 30.f, float(cy), entries[i].second, 3.f);
        img.draw_text(x + 38, cy - Image::text_height(kFont) / 2 + 2, entries[i].first, kText, kFont);
    }
}

// The corner of f for a w x h legend that hides the least of the curves (as matplotlib's
// loc="best"): points sampled along every segment are counted inside each candidate box;
// ties keep the first of top-right, top-left, bottom-right, bottom-left.
std::pair<int, int> best_legend_corner(const Frame& f, const std::vector<Series>& series, int w, int h) {
    const int inset = 10;
    const std::pair<int, int> corners[4] = {{f.x + f.w - w - inset, f.y + inset}, {f.x + inset, f.y + inset},
                                            {f.x + f.w - w - inset, f.y + f.h - h - inset},
                                            {f.x + inset, f.y + f.h - h - inset}};
    int best = 0;
    int64_t fewest = std::numeric_limits<int64_t>::max();
    for (int k = 0; k < 4; ++k) {
        const auto [cx, cy] = corners[k];
        int64_t hidden = 0;
        for (const Series& s : series)
            for (size_t i = 1; i < s.x.size(); ++i) {
                if (!std::isfinite(s.y[i - 1]) || !std::isfinite(s.y[i])) continue;
                for (int t = 0; t <= 16; ++t) {
                    const double a = t / 16.0;
                    const float px = f.px(s.x[i - 1] + a * (s.x[i] - s.x[i - 1]));
                    const float py = f.py(s.y[i - 1] + a * (s.y[i] - s.y[i - 1]));
                    hidden += px >= cx - 4 && px <= cx + w + 4 && py >= cy - 4 && py <= cy + h + 4;
                }
            }
        if (hidden < fewest) fewest = hidden, best = k;
    }
    return corners[best];
}

}  // namespace

std::vector<std::string> wrap_text(const std::string& text, int max_width, int scale) {
    std::vector<std::string> out;
    for (const std::string& line : split_lines(text)) {
        std::istringstream words(line);
        std::string current;
        for (std::string word; words >> word;) {
            const std::string longer = current.empty() ? word : current + " " + word;
            if (!current.empty() && Image::text_width(longer, scale) > max_width) {
                out.push_back(current);
                current = word;
            } else {
                current = longer;
            }
        }
        out.push_back(current);
    }
    return out;
}

Color class_color(int64_t cls, int64_t num_classes) {
    static const uint32_t tab10[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                       0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    static const uint32_t tab20[20] = {0x1f77b4, 0xaec7e8, 0xff7f0e, 0xffbb78, 0x2ca02c, 0x98df8a, 0xd62728,
                                       0xff9896, 0x9467bd, 0xc5b0d5, 0x8c564b, 0xc49c94, 0xe377c2, 0xf7b6d2,
                                       0x7f7f7f, 0xc7c7c7, 0xbcbd22, 0xdbdb8d, 0x17becf, 0x9edae5};
    CT_CHECK(cls >= 0, "class_color: class " << cls << " must be non-negative");
    if (num_classes <= 10) return hex(tab10[cls % 10]);
    if (num_classes <= 20) return hex(tab20[cls % 20]);
    // many classes: hues spread by the golden ratio, alternating two brightness levels
    const double h = std::fmod(cls * 0.618033988749895, 1.0) * 6, v = cls % 2 ? 0.75 : 0.95, s = 0.75;
    const int i = int(h);
    const double f = h - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    const double rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    return {uint8_t(rgb[i][0] * 255), uint8_t(rgb[i][1] * 255), uint8_t(rgb[i][2] * 255)};
}

Color viridis(double t) {
    // matplotlib's viridis sampled at 0, 1/8, ..., 1; linear in between
    static const uint8_t anchors[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                                          {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    t = std::isfinite(t) ? std::min(1.0, std::max(0.0, t)) * 8 : 0;
    const int i = std::min(int(t), 7);
    const double f = t - i;
    auto mix = [&](int c) { return uint8_t(std::lround(anchors[i][c] + (anchors[i + 1][c] - anchors[i][c]) * f)); };
    return {mix(0), mix(1), mix(2)};
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    CT_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi && target >= 2,
             "nice_ticks: range [" << lo << ", " << hi << "] must be finite and ordered, target " << target << " >= 2");
    if (hi == lo) return {lo};
    const double raw = (hi - lo) / (target - 1), mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / mag;
    const double step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
    std::vector<double> ticks;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
        ticks.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);   // no "-0"
    return ticks;
}

std::string format_tick(double value, double step) {
    const int decimals = std::max(0, int(std::ceil(-std::log10(std::fabs(step)) - 1e-9)));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 8), value);
    return buf;
}

Image line_plot(const std::vector<Series>& series, const LinePlotOptions& o) {
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const Series& s : series) {
        CT_CHECK(s.x.size() == s.y.size(),
                 "line_plot: series '" << s.name << "' has " << s.x.size() << " x and " << s.y.size() << " y values");
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) continue;
            xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
            ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
        }
    }
    if (!(xlo <= xhi)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;   // nothing to draw: an empty frame
    const auto [x0, x1] = padded(xlo, xhi, 0.03);
    const auto [y0, y1] = padded(ylo, yhi, 0.06);
    Image img(o.width, o.height);
    const int left = 110, bottom = 80, right = 30;
    const int top = 24 + title_height(o.title, title_width(o.width, left + (o.width - left - right) / 2));
    CT_CHECK(o.width > left + right + 50 && o.height > top + bottom + 50,
             "line_plot: " << o.width << "x" << o.height << " is too small for the axes");
    const Frame f{left, top, o.width - left - right, o.height - top - bottom, x0, x1, y0, y1};
    draw_frame(img, f, o.x_label, o.y_label, o.title);
    std::vector<std::pair<std::string, Color>> legend;
    for (size_t k = 0; k < series.size(); ++k) {
        const Series& s = series[k];
        const Color c = class_color(int64_t(k), int64_t(series.size()));
        for (size_t i = 1; i < s.x.size(); ++i)
            if (std::isfinite(s.y[i - 1]) && std::isfinite(s.y[i]))
                img.draw_line(f.px(s.x[i - 1]), f.py(s.y[i - 1]), f.px(s.x[i]), f.py(s.y[i]), c, 2.5f);
        if (o.markers && s.x.size() <= 60)
            for (size_t i = 0; i < s.x.size(); ++i)
                if (std::isfinite(s.y[i])) img.fill_circle(f.px(s.x[i]), f.py(s.y[i]), 4.f, c);
        if (!s.name.empty()) legend.emplace_back(s.name, c);
    }
    if (!legend.empty()) {
        const auto [lx, ly] = best_legend_corner(f, series, legend_width(legend), legend_height(legend));
        draw_legend(img, lx, ly, legend, false);
    }
    return img;
}

Image scatter_plot(const Tensor& xy, const std::vector<int64_t>& labels, const ScatterOptions& o) {
    CT_CHECK(xy.dim() == 2 && xy.size(1) == 2 && int64_t(labels.size()) == xy.size(0),
             "scatter_plot: points " << xy.shape() << " and " << labels.size() << " labels: need (N,2) and N labels");
    const int64_t N = xy.size(0);
    int64_t classes = int64_t(o.class_names.size());
    for (int64_t y : labels) {
        CT_CHECK(y >= 0, "scatter_plot: label " << y << " must be a non-negative class index");
        classes = std::max(classes, y + 1);
    }
    CT_CHECK(o.class_names.empty() || int64_t(o.class_names.size()) >= classes,
             "scatter_plot: " << o.class_names.size() << " class names for labels up to " << classes - 1);
    const float* p = xy.data();
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (int64_t i = 0; i < N; ++i) {
        if (!std::isfinite(p[2 * i]) || !std::isfinite(p[2 * i + 1])) continue;
        xlo = std::min<double>(xlo, p[2 * i]), xhi = std::max<double>(xhi, p[2 * i]);
        ylo = std::min<double>(ylo, p[2 * i + 1]), yhi = std::max<double>(yhi, p[2 * i + 1]);
    }
    if (!(xlo <= xhi)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    const auto [x0, x1] = padded(xlo, xhi, 0.05);
    const auto [y0, y1] = padded(ylo, yhi, 0.05);

    std::vector<std::pair<std::string, Color>> legend;
    const int64_t shown = std::min<int64_t>(classes, 20);   // a longer legend would not fit
    for (int64_t c = 0; c < shown; ++c)
        legend.emplace_back(o.class_names.empty() ? std::to_string(c) : o.class_names[size_t(c)], class_color(c, classes));
    if (classes > shown) legend.emplace_back("(" + std::to_string(classes) + " classes)", colors::white);
    const int left = 110, bottom = 80, width = left + o.size + 24 + legend_width(legend) + 16;
    const int top = 24 + title_height(o.title, title_width(width, left + o.size / 2));
    Image img(width, top + o.size + bottom);
    const Frame f{left, top, o.size, o.size, x0, x1, y0, y1};
    draw_frame(img, f, o.x_label, o.y_label, o.title);
    for (int64_t i = 0; i < N; ++i)   // data order, so that no class is always drawn on top
        if (std::isfinite(p[2 * i]) && std::isfinite(p[2 * i + 1]))
            img.fill_circle(f.px(p[2 * i]), f.py(p[2 * i + 1]), o.point_radius, class_color(labels[size_t(i)], classes), o.alpha);
    draw_legend(img, f.x + f.w + 24, f.y, legend, true);
    return img;
}

}  // namespace ct
