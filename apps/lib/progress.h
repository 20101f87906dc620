// A terminal progress bar for training epochs: step/total, a bar, named values (loss, ...),
// images per second, the share of time spent waiting for data, and the ETA. On a terminal it
// redraws one line in place ('\r', at most ~10 times a second); in a log (not a TTY) it prints a
// plain line every few seconds instead. Time comes from an injectable clock so tests are exact.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace ct {

using NamedValues = std::vector<std::pair<std::string, double>>;

std::string format_duration(double seconds);                    // "0:07", "12:34", "1:02:03"; "--:--" if unknown
std::string format_rate(double per_second, const std::string& unit);   // "87.5 img/s", "1234 img/s", "12.3k img/s"

struct ProgressState {
    std::string label;           // "epoch 3/10"
    int64_t step = 0, total = 0; // steps done, steps in the epoch
    double elapsed = 0;          // seconds since the start
    double waiting = 0;          // of which spent waiting for data
    int64_t items = 0;           // items processed so far
    std::string unit = "img";    // what an item is: "img", "sent"
    NamedValues values;          // printed as "name 0.1234"
};
// One line, e.g. "epoch 3/10 [=======>     ]  120/469  26% | loss 0.4321 | 2345 img/s | data 12% | ETA 0:42".
// bar_width 0 leaves the bar out (the log format).
std::string format_progress(const ProgressState& s, int bar_width = 24);

class ProgressBar {
public:
    using Clock = std::function<double()>;   // seconds, monotonic
    // tty: redraw in place; otherwise print a line every log_every seconds and at the end.
    ProgressBar(std::string label, int64_t total, std::ostream& out, bool tty, Clock clock = steady_clock(),
                double log_every = 10.0);
    // Names what step() counts when it is not images ("sent" for sentences).
    void set_unit(std::string unit) { state_.unit = std::move(unit); }
    // Call after each step: items processed in it, seconds spent waiting for its data, values to show.
    void step(int64_t items, double wait_seconds, const NamedValues& values);
    // The final line (always printed, ends with '\n'); returns the state for the epoch's summary.
    ProgressState finish();

    static Clock steady_clock();
    static bool stdout_is_tty();

private:
    void draw(bool final_line);
    ProgressState state_;
    std::ostream& out_;
    bool tty_;
    Clock clock_;
    double log_every_, start_, last_draw_;
    size_t last_width_ = 0;
    bool finished_ = false;
};

}  // namespace ct
