// The progress bar; see progress.h. Redraws are rate-limited because writing to a terminal on
// every step of a fast epoch costs more than the step; the final draw is never skipped.
#include "apps/lib/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "core/check.h"

namespace ct {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const int64_t s = int64_t(std::llround(seconds));
    char buf[48];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
    else std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    return buf;
}

std::string format_rate(double per_second, const std::string& unit) {
    char buf[64];
    if (!std::isfinite(per_second) || per_second < 0) std::snprintf(buf, sizeof buf, "- %s/s", unit.c_str());
    else if (per_second < 100) std::snprintf(buf, sizeof buf, "%.1f %s/s", per_second, unit.c_str());
    else if (per_second < 10000) std::snprintf(buf, sizeof buf, "%.0f %s/s", per_second, unit.c_str());
    else std::snprintf(buf, sizeof buf, "%.1fk %s/s", per_second / 1000, unit.c_str());
    return buf;
}

std::string format_progress(const ProgressState& s, int bar_width) {
    const double fraction = s.total > 0 ? std::min(1.0, double(s.step) / double(s.total)) : 0.0;
    std::string line = s.label;
    if (bar_width > 0) {
        const int filled = int(fraction * bar_width);
        std::string bar(size_t(bar_width), ' ');
        for (int i = 0; i < filled; ++i) bar[size_t(i)] = '=';
        if (filled < bar_width) bar[size_t(filled)] = '>';
        line += " [" + bar + "]";
    }
    char buf[96];
    const int digits = int(std::to_string(s.total).size());
    std::snprintf(buf, sizeof buf, " %*lld/%lld %3d%%", digits, (long long)s.step, (long long)s.total, int(fraction * 100));
    line += buf;
    for (const auto& v : s.values) {
        std::snprintf(buf, sizeof buf, " | %s %.4g", v.first.c_str(), v.second);
        line += buf;
    }
    if (s.elapsed > 0) {
        line += " | " + format_rate(double(s.items) / s.elapsed, s.unit);
        std::snprintf(buf, sizeof buf, " | data %d%%", int(std::lround(100.0 * s.waiting / s.elapsed)));
        line += buf;
    }
    const bool done = s.total > 0 && s.step >= s.total;
    if (done) line += " | took " + format_duration(s.elapsed);
    else line += " | ETA " + format_duration(s.step > 0 ? s.elapsed / double(s.step) * double(s.total - s.step) : -1.0);
    return line;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::ostream& out, bool tty, Clock clock, double log_every)
    : out_(out), tty_(tty), clock_(std::move(clock)), log_every_(log_every) {
    CT_CHECK(total >= 0, "ProgressBar: total " << total << " must be non-negative");
    state_.label = std::move(label);
    state_.total = total;
    start_ = clock_();
    last_draw_ = start_ - 1e9;   // the first step always draws
}

void ProgressBar::step(int64_t items, double wait_seconds, const NamedValues& values) {
    ++state_.step;
    state_.items += items;
    state_.waiting += wait_seconds;
    state_.values = values;
    const double now = clock_();
    state_.elapsed = now - start_;
    if (now - last_draw_ >= (tty_ ? 0.1 : log_every_)) {
        last_draw_ = now;
        draw(false);
    }
}

ProgressState ProgressBar::finish() {
    if (!finished_) {
        state_.elapsed = clock_() - start_;
        draw(true);
        finished_ = true;
    }
    return state_;
}

void ProgressBar::draw(bool final_line) {
    const std::string line = format_progress(state_, tty_ ? 24 : 0);
    if (tty_) {
        // pad with spaces so a shorter line wipes the end of the previous one
        out_ << '\r' << line << std::string(last_width_ > line.size() ? last_width_ - line.size() : 0, ' ');
        last_width_ = line.size();
        if (final_line) out_ << '\n';
    } else {
        out_ << line << '\n';
    }
    out_.flush();
}

ProgressBar::Clock ProgressBar::steady_clock() {
    return [] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    };
}

bool ProgressBar::stdout_is_tty() { return isatty(STDOUT_FILENO) == 1; }

}  // namespace ct
