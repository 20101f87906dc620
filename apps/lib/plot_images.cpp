// Image grids and heat-maps (declared in plot.h): pictures made of pixels rather than of axes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "apps/lib/plot.h"

namespace ct {

namespace {
constexpr int kFont = 2;
const Color kText{30, 30, 30};

// The longest prefix of s that fits in `width` pixels at `scale`.
std::string fit_text(const std::string& s, int width, int scale) {
    std::string out = s;
    while (!out.empty() && Image::text_width(out, scale) > width) out.pop_back();
    return out;
}
}  // namespace

Image image_grid(const std::vector<std::vector<GridCell>>& rows, const ImageGridOptions& o) {
    CT_CHECK(!rows.empty(), "image_grid: no rows to draw");
    CT_CHECK(o.row_labels.empty() || o.row_labels.size() == rows.size(),
             "image_grid: " << o.row_labels.size() << " row labels for " << rows.size() << " rows");
    CT_CHECK(o.scale >= 1 && o.gap >= 0 && o.border >= 0,
             "image_grid: scale " << o.scale << ", gap " << o.gap << ", border " << o.border << " must be >= 1, >= 0, >= 0");
    int64_t cell_h = 1, cell_w = 1;
    size_t cols = 0;
    bool captions = false;
    for (const auto& row : rows) {
        cols = std::max(cols, row.size());
        for (const GridCell& c : row) {
            CT_CHECK(c.image.defined() && c.image.dim() == 3 && (c.image.size(0) == 1 || c.image.size(0) == 3),
                     "image_grid: image " << (c.image.defined() ? to_string(c.image.shape()) : "undefined")
                                          << " must be (C,H,W) with C = 1 or 3");
            cell_h = std::max(cell_h, c.image.size(1));
            cell_w = std::max(cell_w, c.image.size(2));
            captions |= !c.caption.empty();
        }
    }
    CT_CHECK(cols > 0, "image_grid: every row is empty");
    // Captions use scale 1 under small cells, else 2 (the font is 6 pixels wide per character).
    const int cw = int(cell_w) * o.scale + 2 * o.border, ch = int(cell_h) * o.scale + 2 * o.border;
    const int cap_scale = cw >= 90 ? kFont : 1, cap_h = captions ? Image::text_height(cap_scale) + 4 : 0;
    int label_w = 0;
    for (const std::string& s : o.row_labels) label_w = std::max(label_w, Image::text_width(s, kFont) + 12);
    const int W = o.gap + label_w + int(cols) * (cw + o.gap);
    const std::vector<std::string> title = o.title.empty() ? std::vector<std::string>{} : wrap_text(o.title, W - 16, kFont);
    const int line_h = Image::text_height(kFont) + 6;
    const int title_h = title.empty() ? 0 : int(title.size()) * line_h + 10;
    const int H = title_h + o.gap + int(rows.size()) * (ch + cap_h + o.gap);
    Image img(W, H);
    for (size_t k = 0; k < title.size(); ++k)
        img.draw_text(W / 2 - Image::text_width(title[k], kFont) / 2, 8 + int(k) * line_h, title[k], kText, kFont);
    for (size_t r = 0; r < rows.size(); ++r) {
        const int y = title_h + o.gap + int(r) * (ch + cap_h + o.gap);
        if (!o.row_labels.empty())
            img.draw_text(o.gap, y + ch / 2 - Image::text_height(kFont) / 2, o.row_labels[r], kText, kFont);
        for (size_t c = 0; c < rows[r].size(); ++c) {
            const GridCell& cell = rows[r][c];
            const int x = o.gap + label_w + int(c) * (cw + o.gap);
            if (cell.has_border) img.fill_rect(x, y, cw, ch, cell.border);
            // centre smaller images in the cell
            const int ox = int(cell_w - cell.image.size(2)) * o.scale / 2, oy = int(cell_h - cell.image.size(1)) * o.scale / 2;
            img.draw_tensor(cell.image, x + o.border + ox, y + o.border + oy, o.scale);
            if (!cell.caption.empty()) {
                const std::string s = fit_text(cell.caption, cw, cap_scale);
                img.draw_text(x + cw / 2 - Image::text_width(s, cap_scale) / 2, y + ch + 3, s, kText, cap_scale);
            }
        }
    }
    return img;
}

Image heatmap(const Tensor& m, const HeatmapOptions& o) {
    CT_CHECK(m.dim() == 2 && m.numel() > 0, "heatmap: matrix " << m.shape() << " must be 2-D and non-empty");
    const int64_t R = m.size(0), C = m.size(1);
    const float* p = m.data();
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int64_t i = 0; i < R * C; ++i)
        if (std::isfinite(p[i])) lo = std::min<double>(lo, p[i]), hi = std::max<double>(hi, p[i]);
    if (!(lo <= hi)) lo = 0, hi = 1;
    const double span = hi > lo ? hi - lo : 1;
    const int cell = std::max<int>(1, int(o.max_size / std::max(R, C)));
    const int mw = cell * int(C), mh = cell * int(R);
    const int th = Image::text_height(kFont);
    const int top = (o.title.empty() ? 16 : th + 28), left = o.y_label.empty() ? 16 : th + 28;
    const int bar_x = left + mw + 24, bar_w = 24;
    std::vector<double> ticks = nice_ticks(lo, hi > lo ? hi : lo + 1, 6);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    int tick_w = 0;
    for (double v : ticks) tick_w = std::max(tick_w, Image::text_width(format_tick(v, step), kFont));
    Image img(bar_x + bar_w + 12 + tick_w + 16, top + std::max(mh, 120) + (o.x_label.empty() ? 16 : th + 28));
    if (!o.title.empty()) img.draw_text(left + mw / 2 - Image::text_width(o.title, kFont) / 2, 12, o.title, kText, kFont);
    if (!o.x_label.empty())
        img.draw_text(left + mw / 2 - Image::text_width(o.x_label, kFont) / 2, top + mh + 14, o.x_label, kText, kFont);
    if (!o.y_label.empty())
        img.draw_text_vertical(10, top + mh / 2 - Image::text_width(o.y_label, kFont) / 2, o.y_label, kText, kFont);

    // cells; values written inside when a number fits (white on dark colours, dark on light)
    const int value_scale = cell >= 48 ? kFont : 1;
    for (int64_t i = 0; i < R; ++i)
        for (int64_t j = 0; j < C; ++j) {
            const double v = p[i * C + j], t = (v - lo) / span;
            const Color c = std::isfinite(v) ? viridis(t) : colors::gray;
            img.fill_rect(left + int(j) * cell, top + int(i) * cell, cell, cell, c);
            if (!o.annotate) continue;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.2f", v);
            const int tw = Image::text_width(buf, value_scale);
            if (tw + 4 > cell || Image::text_height(value_scale) + 4 > cell) continue;
            img.draw_text(left + int(j) * cell + (cell - tw) / 2, top + int(i) * cell + (cell - Image::text_height(value_scale)) / 2 + 1,
                          buf, t < 0.6 ? colors::white : kText, value_scale);
        }
    // colour bar: top = hi, bottom = lo, ticks on its right
    const int bar_h = std::max(mh, 120);
    for (int y = 0; y < bar_h; ++y) img.fill_rect(bar_x, top + y, bar_w, 1, viridis(1.0 - double(y) / (bar_h - 1)));
    img.draw_rect(bar_x - 1, top - 1, bar_w + 2, bar_h + 2, {60, 60, 60}, 1);
    for (double v : ticks) {
        if (v < lo - 1e-12 || v > hi + 1e-12) continue;
        const int y = top + int(std::lround((1.0 - (v - lo) / span) * (bar_h - 1)));
        img.fill_rect(bar_x + bar_w, y, 5, 1, {60, 60, 60});
        img.draw_text(bar_x + bar_w + 9, y - th / 2 + 2, format_tick(v, step), kText, kFont);
    }
    return img;
}

}  // namespace ct
