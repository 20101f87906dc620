// apps/lib/plot: ticks, palettes, and pixel checks of each kind of plot at positions worked out
// from the layout (frame at x = 110, y = 24 without a title; data ranges padded as documented).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/lib/plot.h"

using namespace ct;

namespace {
const Color tab_blue{0x1f, 0x77, 0xb4}, tab_orange{0xff, 0x7f, 0x0e};
}

TEST_CASE("apps plot: ticks and their labels") {
    // (1 - 0)/5 = .2 -> step .2
    CHECK(nice_ticks(0, 1, 6) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0});
    // 3.8/6 = .633 -> step .5, from -1.5 to 1.5
    std::vector<double> t = nice_ticks(-1.9, 1.9, 7);
    REQUIRE(t.size() == 7);
    CHECK(t.front() == doctest::Approx(-1.5));
    CHECK(t[3] == 0.0);
    CHECK(t.back() == doctest::Approx(1.5));
    CHECK(nice_ticks(3, 3) == std::vector<double>{3});
    CHECK(format_tick(0.5, 0.5) == "0.5");
    CHECK(format_tick(0.25, 0.05) == "0.25");
    CHECK(format_tick(10, 2) == "10");
    CHECK(format_tick(1234, 200) == "1234");
    CHECK_THROWS_WITH_AS(nice_ticks(2, 1), doctest::Contains("range [2, 1] must be finite and ordered"), ShapeError);
}

TEST_CASE("apps plot: palettes") {
    CHECK(class_color(0, 10) == tab_blue);              // matplotlib tab10 #1f77b4
    CHECK(class_color(9, 10) == Color{0x17, 0xbe, 0xcf});
    CHECK(class_color(1, 20) == Color{0xae, 0xc7, 0xe8});   // tab20 #aec7e8
    // 100 classes: neighbours differ
    CHECK(class_color(41, 100) != class_color(42, 100));
    CHECK(viridis(0) == Color{68, 1, 84});
    CHECK(viridis(1) == Color{253, 231, 37});
    CHECK(viridis(0.5) == Color{33, 144, 141});
}

TEST_CASE("apps plot: line chart") {
    // one series (0,0) -> (1,1); frame 660 x 396 at (110, 24); x padded 3%, y 6%:
    // px(0) = 110 + .03/1.06 * 660 = 128.7, py(0) = 24 + 396 - .06/1.12 * 396 = 398.8: the marker's pixel (128, 398)
    Series s{"loss", {0, 1}, {0, 1}};
    Image img = line_plot({s});
    CHECK(img.width() == 800);
    CHECK(img.height() == 500);
    CHECK(img.pixel(128, 398) == tab_blue);
    CHECK(img.pixel(128, 100) != tab_blue);
    // the curve rises to the top-right corner, so the legend goes top-left and leaves the end
    // marker at px(1) = 110 + 1.03/1.06 * 660 = 751.3, py(1) = 420 - 1.06/1.12 * 396 = 45.2 visible
    CHECK(img.pixel(751, 45) == tab_blue);
    CHECK(img.pixel(120, 34) == Color{200, 200, 200});   // the legend box's top-left corner at (120, 34)
    // the frame's top-left corner is the axis colour
    CHECK(img.pixel(109, 23) == Color{60, 60, 60});
    CHECK_THROWS_WITH_AS(line_plot({Series{"bad", {0, 1}, {0}}}), doctest::Contains("series 'bad' has 2 x and 1 y values"),
                         ShapeError);
    const std::string path = (std::filesystem::temp_directory_path() / "contrast_test_apps_lines.png").string();
    img.save_png(path);
    CHECK(std::filesystem::file_size(path) > 1000);
    std::remove(path.c_str());
}

TEST_CASE("apps plot: a long title wraps at spaces and pushes the frame down") {
    // 40 words of 4 letters (text_width 2 x 24 = 48 px, +12 per space) do not fit one 700-pixel
    // line (2 * min(440, 360) - 20): 11 words make 11 * 48 + 10 * 12 = 648 px per line, so 4 lines of
    // 26 pixels each; the frame's top edge moves from y = 23 to 24 + 4 * 26 - 1 = 127.
    std::string title;
    for (int i = 0; i < 40; ++i) title += (i ? " " : "") + std::string("word");
    LinePlotOptions o;
    o.title = title;
    Image img = line_plot({Series{"", {0, 1}, {0, 1}}}, o);
    CHECK(img.pixel(109, 127) == Color{60, 60, 60});
    CHECK(img.pixel(109, 23) != Color{60, 60, 60});
}

TEST_CASE("apps plot: scatter of classes with a legend") {
    // points (0,0) class 0 and (1,1) class 1 in a 200 x 200 frame; x, y padded 5% to [-.05, 1.05]:
    // (0,0) -> px 110 + .05/1.1 * 200 = 119.1, py 24 + 200 - 9.1 = 214.9;  (1,1) -> (300.9, 33.1)
    ScatterOptions o;
    o.size = 200;
    o.point_radius = 4;
    o.alpha = 1;
    o.class_names = {"zero", "one"};
    Image img = scatter_plot(Tensor::from_vector({0, 0, 1, 1}, {2, 2}), {0, 1}, o);
    CHECK(img.pixel(119, 214) == tab_blue);
    CHECK(img.pixel(300, 33) == tab_orange);
    // legend right of the frame at x = 110 + 200 + 24 = 334, first dot at (334 + 18, 24 + 5 + 28/2 = 43),
    // drawn with alpha .8 over white: 255 + (31 - 255) * .8 = 75.8 -> 76, 255 - 136 * .8 -> 146, 255 - 75 * .8 = 195
    CHECK(img.pixel(352, 43) == Color{76, 146, 195});
    CHECK(img.width() == 334 + Image::text_width("zero", 2) + 48 + 16);
    CHECK_THROWS_WITH_AS(scatter_plot(Tensor::zeros({3, 2}), {0, 1}), doctest::Contains("points [3, 2] and 2 labels"),
                         ShapeError);
    ScatterOptions few;
    few.class_names = {"a"};
    CHECK_THROWS_WITH_AS(scatter_plot(Tensor::zeros({2, 2}), {0, 3}, few), doctest::Contains("1 class names for labels up to 3"),
                         ShapeError);
}

TEST_CASE("apps plot: image grid with borders") {
    // 2 x 2 cells of 1x4x4 images, scale 2, border 3, gap 6: cell 8 + 6 = 14 pixels, grid 6 + 2 * 20 = 46 square
    GridCell plain{Tensor::zeros({1, 4, 4}), false, {}, ""};
    GridCell wrong{Tensor::ones({1, 4, 4}), true, colors::red, ""};
    Image img = image_grid({{plain, wrong}, {plain, plain}});
    CHECK(img.width() == 46);
    CHECK(img.height() == 46);
    CHECK(img.pixel(26, 6) == colors::red);      // the second cell's border
    CHECK(img.pixel(29, 9) == colors::white);    // its image (ones)
    CHECK(img.pixel(9, 9) == colors::black);     // the first cell's image (zeros)
    CHECK(img.pixel(6, 6) == colors::white);     // no border there
    CHECK_THROWS_WITH_AS(image_grid({{GridCell{Tensor::zeros({4, 4}), false, {}, ""}}}),
                         doctest::Contains("image [4, 4] must be (C,H,W) with C = 1 or 3"), ShapeError);
}

TEST_CASE("apps plot: heat-map with a colour bar") {
    // [[0, 1], [.5, 1]] in 100 pixels: 50-pixel cells from (16, 16); the colour bar at x = 16 + 100 + 24 = 140
    HeatmapOptions o;
    o.max_size = 100;
    Image img = heatmap(Tensor::from_vector({0, 1, 0.5f, 1}, {2, 2}), o);
    CHECK(img.pixel(17, 17) == viridis(0));
    CHECK(img.pixel(67, 17) == viridis(1));
    CHECK(img.pixel(17, 67) == viridis(0.5));
    CHECK(img.pixel(150, 16) == viridis(1));   // top of the bar: the maximum
    CHECK(img.pixel(150, 16 + 119) == viridis(0));
    CHECK_THROWS_WITH_AS(heatmap(Tensor::zeros({3})), doctest::Contains("matrix [3] must be 2-D"), ShapeError);
}

TEST_CASE("apps plot: wrap_text breaks at spaces, keeps newlines and overlong words") {
    const int two_words = Image::text_width("aaa bbb", 2);
    CHECK(wrap_text("aaa bbb ccc", two_words) == std::vector<std::string>{"aaa bbb", "ccc"});
    CHECK(wrap_text("aaa bbb ccc", two_words - 1) == std::vector<std::string>{"aaa", "bbb", "ccc"});
    CHECK(wrap_text("aaa\nbbb", 10000) == std::vector<std::string>{"aaa", "bbb"});
    CHECK(wrap_text("incomprehensibilities", 10) == std::vector<std::string>{"incomprehensibilities"});
    // an image grid's long title wraps too: the grid grows by one title line of 26 pixels
    GridCell cell{Tensor::zeros({1, 4, 4}), false, {}, ""};
    ImageGridOptions o;
    o.title = "short";
    const int one_line = image_grid({{cell}}, o).height();
    o.title = "a title far too long for a grid of one small cell";
    CHECK(image_grid({{cell}}, o).height() > one_line + 26);
}

TEST_CASE("apps plot: grouped bar chart") {
    // 2 categories x 2 series, no title: axes at (110, 24), 660 x 366 (800 - 110 - 30, 500 - 24 - 110).
    // y spans [0, 1.1] (max 1 plus 10%): py(v) = 24 + 366 - v / 1.1 * 366 = 390 - 332.7 v.
    // A group is 330 pixels, its bars fill the middle 80%: 2 bars of 132. Category 0: series 0 at
    // x 143..275, series 1 at 275..407; category 1: 473..605 and 605..737.
    const std::vector<BarSeries> series{{"triplet", {1.0, 0.5}}, {"proxy", {0.25, 0.75}}};
    Image img = bar_chart({"P@1", "MAP@R"}, series);
    CHECK(img.width() == 800);
    CHECK(img.height() == 500);
    // series 0, category 0: value 1, top at py(1) = 57.3
    CHECK(img.pixel(209, 100) == tab_blue);
    CHECK(img.pixel(209, 385) == tab_blue);
    CHECK(img.pixel(209, 50) != tab_blue);
    // series 1, category 0: value 0.25, top at py(.25) = 306.8
    CHECK(img.pixel(341, 350) == tab_orange);
    CHECK(img.pixel(341, 290) != tab_orange);
    // category 1: 0.5 tops at 223.6, 0.75 at 140.5
    CHECK(img.pixel(539, 240) == tab_blue);
    CHECK(img.pixel(539, 200) != tab_blue);
    CHECK(img.pixel(671, 160) == tab_orange);
    CHECK(img.pixel(671, 120) != tab_orange);
    // between the groups (x 407..473) there is no bar
    CHECK(img.pixel(440, 380) != tab_blue);
    CHECK(img.pixel(440, 380) != tab_orange);
    // a missing value leaves its slot empty
    Image gap = bar_chart({"P@1", "MAP@R"}, {{"triplet", {1.0, NAN}}, {"proxy", {0.25, 0.75}}});
    CHECK(gap.pixel(539, 380) != tab_blue);
    CHECK(gap.pixel(671, 380) == tab_orange);
    CHECK_THROWS_WITH_AS(bar_chart({"P@1", "MAP@R"}, {{"triplet", {1.0}}}),
                         doctest::Contains("bar_chart: series 'triplet' has 1 values for 2 categories"), ShapeError);
    CHECK_THROWS_WITH_AS(bar_chart({}, series), doctest::Contains("bar_chart: needs at least one category"), ShapeError);

    // Eight series whose legend is wider than the image wrap into rows: every swatch is drawn below
    // the axes (in one row the last ones would start past the right edge and be cut off).
    std::vector<BarSeries> eight;
    for (int s = 0; s < 8; ++s) eight.push_back({"series number " + std::to_string(s), {0.5}});
    const Image wide = bar_chart({"kNN"}, eight);
    for (int s = 0; s < 8; ++s) {
        const Color swatch = class_color(s, 8);
        bool found = false;
        for (int y = 400; y < wide.height() && !found; ++y)   // below the axes (which end at y = 390)
            for (int x = 0; x < wide.width() && !found; ++x) found = wide.pixel(x, y) == swatch;
        CHECK_MESSAGE(found, "the legend swatch of series " << s);
    }
}
