// Grouped bar charts (results tables: one group per metric or data set, one bar per method); see
// plot.h. Line charts and scatter plots are in plot.cpp, grids and heat-maps in plot_images.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/lib/plot.h"

namespace ct {

Image bar_chart(const std::vector<std::string>& categories, const std::vector<BarSeries>& series,
                const BarChartOptions& o) {
    CT_CHECK(!categories.empty() && !series.empty(),
             "bar_chart: needs at least one category and one series, got " << categories.size() << " and "
                                                                           << series.size());
    double lo = 0, hi = 0;   // bars start at 0, so 0 is always in range
    for (const BarSeries& s : series) {
        CT_CHECK(s.values.size() == categories.size(), "bar_chart: series '" << s.name << "' has " << s.values.size()
                                                                             << " values for " << categories.size()
                                                                             << " categories");
        for (double v : s.values)
            if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    if (hi == lo) hi = lo + 1;   // all zero (or nothing finite): an empty unit axis
    const double y0 = lo < 0 ? lo - 0.1 * (hi - lo) : 0, y1 = hi > 0 ? hi + 0.1 * (hi - lo) : 0;

    // Layout as line_plot's (axes at x = 110, 30 pixels right), with 30 more pixels at the bottom for
    // the legend under the category names (room for three rows).
    const int font = 2, th = Image::text_height(font), left = 110, right = 30, bottom = 110;
    const std::vector<std::string> title = wrap_text(o.title, o.width - 40, font);
    const int top = 24 + (o.title.empty() ? 0 : int(title.size()) * (th + 6));
    CT_CHECK(o.width > left + right + 50 && o.height > top + bottom + 50,
             "bar_chart: " << o.width << "x" << o.height << " is too small for the axes");
    const int fx = left, fy = top, fw = o.width - left - right, fh = o.height - top - bottom;
    auto py = [&](double v) { return float(fy + fh - (v - y0) / (y1 - y0) * fh); };
    const Color grid{232, 232, 232}, axis{60, 60, 60}, text{30, 30, 30};

    Image img(o.width, o.height);
    int y = 12;
    for (const std::string& line : title) {
        img.draw_text(o.width / 2 - Image::text_width(line, font) / 2, y, line, text, font);
        y += th + 6;
    }
    const std::vector<double> ticks = nice_ticks(y0, y1, 7);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    int widest = 0;
    for (double v : ticks) {
        const int ty = int(std::lround(py(v)));
        img.fill_rect(fx, ty, fw, 1, grid);
        img.fill_rect(fx - 6, ty, 6, 1, axis);
        const std::string s = format_tick(v, step);
        widest = std::max(widest, Image::text_width(s, font));
        img.draw_text(fx - 10 - Image::text_width(s, font), ty - th / 2 + 2, s, text, font);
    }
    if (!o.y_label.empty())
        img.draw_text_vertical(fx - 22 - widest - th, fy + fh / 2 - Image::text_width(o.y_label, font) / 2, o.y_label,
                               text, font);

    // Each category gets fw / K pixels; its bars fill the middle 80%, side by side.
    const double group = double(fw) / double(categories.size()), bar = 0.8 * group / double(series.size());
    const float base = py(0);
    for (size_t k = 0; k < categories.size(); ++k) {
        const double gx = fx + k * group;
        for (size_t s = 0; s < series.size(); ++s) {
            const double v = series[s].values[k];
            if (!std::isfinite(v)) continue;
            const int x0 = int(std::lround(gx + 0.1 * group + s * bar)), x1 = int(std::lround(gx + 0.1 * group + (s + 1) * bar));
            const int top_y = int(std::lround(std::min(py(v), base))), bottom_y = int(std::lround(std::max(py(v), base)));
            img.fill_rect(x0, top_y, std::max(1, x1 - x0 - 1), std::max(1, bottom_y - top_y),
                          class_color(int64_t(s), int64_t(series.size())));
            char label[32];
            std::snprintf(label, sizeof label, "%.*f", std::clamp(o.decimals, 0, 8), v);
            const int ly = v >= 0 ? top_y - Image::text_height(1) - 3 : bottom_y + 3;
            img.draw_text((x0 + x1) / 2 - Image::text_width(label, 1) / 2, ly, label, text, 1);
        }
        img.fill_rect(int(std::lround(gx + group / 2)), fy + fh, 1, 6, axis);
        img.draw_text(int(std::lround(gx + group / 2)) - Image::text_width(categories[k], font) / 2, fy + fh + 10,
                      categories[k], text, font);
    }
    img.fill_rect(fx, int(std::lround(base)), fw, 1, axis);   // the zero line the bars stand on
    img.draw_rect(fx - 1, fy - 1, fw + 2, fh + 2, axis, 1);

    // The legend: a swatch and the name of each series, in rows as wide as the image allows, each
    // row centred under the axes.
    auto item_width = [&](const BarSeries& s) { return 22 + Image::text_width(s.name, font) + 20; };
    int ly = fy + fh + 16 + th + 12;
    for (size_t first = 0; first < series.size();) {
        size_t end = first + 1;
        int row = item_width(series[first]);
        while (end < series.size() && row + item_width(series[end]) <= o.width - 8) row += item_width(series[end++]);
        int x = std::max(4, std::min(fx + fw / 2 - row / 2, o.width - 4 - row));
        for (size_t s = first; s < end; ++s) {
            img.fill_rect(x, ly, 16, 12, class_color(int64_t(s), int64_t(series.size())));
            img.draw_text(x + 22, ly, series[s].name, text, font);
            x += item_width(series[s]);
        }
        ly += th + 10;
        first = end;
    }
    return img;
}

}  // namespace ct
