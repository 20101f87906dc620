// Timing helpers for the benchmarks: medians of repeated runs (the machine is shared and noisy,
// so a single timing means little), and peak resident memory.
#pragma once
#include <sys/resource.h>
#include <cstdlib>
#include <fstream>
#include <string>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace ct::bench {

inline double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds of `reps` runs of f after `warmup` untimed runs.
inline double median_seconds(const std::function<void()>& f, int reps = 11, int warmup = 2) {
    for (int i = 0; i < warmup; ++i) f();
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const double t0 = now_seconds();
        f();
        t.push_back(now_seconds() - t0);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// Median of a list of samples (seconds or ms), the mean of the two middle ones for an even count
// (as Python's statistics.median, which the PyTorch peer uses); 0 for an empty list.
inline double median_of(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

// The 1-minute load average: printed beside every figure, since on a shared machine a timing
// taken at load 10 and one taken at load 1 are not comparable.
inline double load_average_1min() {
    double load[1] = {-1.0};
    return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

inline double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_maxrss) / 1024.0;   // Linux reports KiB
}

// Peak resident memory of this process image only: VmHWM of /proc/self/status, in MiB (-1 if
// unreadable). Unlike ru_maxrss it is not inherited across exec, so a child started by a big parent
// (fork copies the parent's page tables, and exec keeps their high-water mark in ru_maxrss) reports
// its own peak.
inline double peak_rss_own_mib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            double kib = -1;
            status >> kib;
            return kib / 1024.0;
        }
        status.ignore(1 << 12, '\n');
    }
    return -1.0;
}

}  // namespace ct::bench
