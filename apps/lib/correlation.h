// Correlation of two lists of numbers, as STS evaluations report them (x100 is the caller's):
// Pearson's r of the values and Spearman's rho, which is Pearson's r of their ranks, tied values
// sharing the average of the ranks they span (scipy.stats.spearmanr's default).
#pragma once
#include <vector>

namespace ct {

// x, y: the same length >= 2. A list without spread (every value equal) has no defined
// correlation: the result is NaN, as scipy's.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// 1-based ranks, ties averaged: {10, 20, 20, 30} -> {1, 2.5, 2.5, 4}
std::vector<double> average_ranks(const std::vector<double>& x);

}  // namespace ct
