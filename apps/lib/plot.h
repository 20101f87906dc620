// Plots as PNG-ready images, in matplotlib's default look: line charts (training curves), scatter
// plots of 2-D embeddings coloured by class, image grids (retrieval results, augmentations),
// heat-maps with a colour bar (similarity matrices) and grouped bar charts (results tables).
// Drawing primitives are in apps/lib/image.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/lib/image.h"
#include "core/tensor.h"

namespace ct {

// matplotlib's tab10 for up to 10 classes, tab20 up to 20, then evenly spread hues.
Color class_color(int64_t cls, int64_t num_classes);
// viridis at t in [0,1] (clamped): dark purple -> teal -> yellow.
Color viridis(double t);

// text's lines ('\n' kept), each wrapped at spaces to max_width pixels at the given font scale; a
// single word wider than that stays whole. Titles use it, so a long one wraps instead of clipping.
std::vector<std::string> wrap_text(const std::string& text, int max_width, int scale = 2);

// Round tick positions covering [lo, hi]: steps of 1, 2 or 5 x 10^k, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
std::string format_tick(double value, double step);   // as many decimals as the step needs

// ---- (a) line chart: one curve per series, shared axes, the legend in the corner that hides least
struct Series {
    std::string name;
    std::vector<double> x, y;   // equal lengths; non-finite y values leave a gap
};
struct LinePlotOptions {
    std::string title, x_label, y_label;   // the title wraps at spaces to fit; '\n' breaks it
    int width = 800, height = 500;
    bool markers = true;   // dots on the points (skipped beyond 60 points)
};
Image line_plot(const std::vector<Series>& series, const LinePlotOptions& options = {});

// ---- (b) scatter of 2-D points coloured by class, legend of class names at the right
struct ScatterOptions {
    std::string title;                       // '\n' starts a second line
    std::string x_label, y_label;
    std::vector<std::string> class_names;    // empty: "0", "1", ...
    int size = 800;                          // the plot area is square; the legend adds width
    float point_radius = 1.6f;
    float alpha = 0.6f;                      // semi-transparent: dense regions read darker
};
// xy:(N,2), labels: N class indices in [0, classes)
Image scatter_plot(const Tensor& xy, const std::vector<int64_t>& labels, const ScatterOptions& options = {});

// ---- (c) grid of images: rows of cells, each optionally framed and captioned
struct GridCell {
    Tensor image;               // (C,H,W), C = 1 or 3, values in [0,1]
    bool has_border = false;    // e.g. green for a right neighbour, red for a wrong one
    Color border;
    std::string caption;        // under the cell, cut to the cell's width
};
struct ImageGridOptions {
    std::string title;
    std::vector<std::string> row_labels;   // at the left of each row (optional)
    int scale = 2;                         // nearest-neighbour upscaling of every image
    int gap = 6;                           // pixels between cells
    int border = 3;
};
Image image_grid(const std::vector<std::vector<GridCell>>& rows, const ImageGridOptions& options = {});

// ---- (d) heat-map of a matrix with a colour bar
struct HeatmapOptions {
    std::string title, x_label, y_label;
    int max_size = 600;         // the matrix area fits in max_size x max_size pixels
    bool annotate = true;       // write the values in cells that are big enough
};
Image heatmap(const Tensor& m, const HeatmapOptions& options = {});   // m:(R,C)

// ---- (e) grouped bar chart (plot_bars.cpp): one group per category along x, in each group one bar
// per series in series order and colour (tab10), its value written above it; the legend is a row
// under the category names. Bars start at 0; the y axis spans [min(0, values), max(0, values)]
// with 10% headroom. A non-finite value leaves its slot empty (a run that did not finish).
struct BarSeries {
    std::string name;
    std::vector<double> values;   // one per category
};
struct BarChartOptions {
    std::string title, y_label;
    int width = 800, height = 500;
    int decimals = 3;   // of the value labels above the bars
};
Image bar_chart(const std::vector<std::string>& categories, const std::vector<BarSeries>& series,
                const BarChartOptions& options = {});

}  // namespace ct
