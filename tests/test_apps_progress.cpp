// apps/lib/progress: formatting of durations, rates and progress lines, and the redraw policy,
// with an injected clock so every number is exact.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "apps/lib/progress.h"

using namespace ct;

TEST_CASE("apps progress: durations and rates") {
    CHECK(format_duration(7.4) == "0:07");
    CHECK(format_duration(754) == "12:34");       // 12 * 60 + 34
    CHECK(format_duration(3723) == "1:02:03");    // 3600 + 2 * 60 + 3
    CHECK(format_duration(-1) == "--:--");
    CHECK(format_duration(NAN) == "--:--");
    CHECK(format_rate(87.54, "img") == "87.5 img/s");
    CHECK(format_rate(1234.4, "img") == "1234 img/s");
    CHECK(format_rate(12345, "img") == "12.3k img/s");
}

TEST_CASE("apps progress: one line holds step, bar, values, rate, data wait and ETA") {
    ProgressState s;
    s.label = "epoch 3/10";
    s.step = 120, s.total = 480;
    s.elapsed = 30, s.waiting = 3.6, s.items = 120 * 256;
    s.values = {{"loss", 0.43214}};
    // 120/480 = 25%: 6 of 24 bar cells; 30720 img / 30 s = 1024 img/s; 3.6/30 = 12% waiting;
    // ETA = 30 s / 120 steps * 360 steps left = 90 s = 1:30
    CHECK(format_progress(s, 24) ==
          "epoch 3/10 [======>                 ] 120/480  25% | loss 0.4321 | 1024 img/s | data 12% | ETA 1:30");
    CHECK(format_progress(s, 0) == "epoch 3/10 120/480  25% | loss 0.4321 | 1024 img/s | data 12% | ETA 1:30");
    s.step = 480;
    CHECK(format_progress(s, 4) == "epoch 3/10 [====] 480/480 100% | loss 0.4321 | 1024 img/s | data 12% | took 0:30");
    s.unit = "sent";   // text runs count sentences
    CHECK(format_progress(s, 0) == "epoch 3/10 480/480 100% | loss 0.4321 | 1024 sent/s | data 12% | took 0:30");
    ProgressState start;
    start.total = 10;
    // the step is right-aligned to the width of the total, so the line does not jitter
    CHECK(format_progress(start, 0) == "  0/10   0% | ETA --:--");
}

TEST_CASE("apps progress: redraw policy on a terminal and in a log") {
    double now = 100.0;
    auto clock = [&now] { return now; };
    SUBCASE("terminal: '\\r' redraws at most every 0.1 s, the last line ends with a newline") {
        std::ostringstream out;
        ProgressBar bar("e1", 4, out, true, clock);
        now += 0.05;
        bar.step(10, 0, {{"loss", 1}});   // first step: drawn
        now += 0.05;
        bar.step(10, 0, {{"loss", 1}});   // 0.05 s later: skipped
        now += 0.2;
        bar.step(10, 0, {{"loss", 1}});   // drawn
        now += 0.01;
        bar.step(10, 0, {{"loss", 1}});   // skipped, but finish draws it
        ProgressState s = bar.finish();
        const std::string text = out.str();
        CHECK(std::count(text.begin(), text.end(), '\r') == 3);
        CHECK(std::count(text.begin(), text.end(), '\n') == 1);
        CHECK(text.back() == '\n');
        CHECK(text.find("4/4 100%") != std::string::npos);
        CHECK(s.items == 40);
        CHECK(s.elapsed == doctest::Approx(0.31));
    }
    SUBCASE("log: plain lines every log_every seconds, no '\\r'") {
        std::ostringstream out;
        ProgressBar bar("e1", 100, out, false, clock, 10.0);
        for (int i = 0; i < 100; ++i) {
            now += 1.0;   // 1 s per step, of which 0.25 s waiting for data
            bar.step(32, 0.25, {});
        }
        bar.finish();
        const std::string text = out.str();
        CHECK(text.find('\r') == std::string::npos);
        // steps 1, 11, 21, ..., 91 (every 10 s) and the final line
        CHECK(std::count(text.begin(), text.end(), '\n') == 11);
        CHECK(text.find("e1 100/100 100% | 32.0 img/s | data 25% | took 1:40") != std::string::npos);
    }
}
