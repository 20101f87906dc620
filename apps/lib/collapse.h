// Collapse indicators of a batch of embeddings x:(N,D): the singular values of the centred rows
// and their effective rank (Roy & Vetterli 2007), the per-dimension std of the L2-normalised rows
// (the SimSiam paper's indicator), and the test behind the CLI's collapse warning. Uniformity
// (Wang & Isola 2020), the third indicator walkthrough 09 draws, is in losses/alignment_uniformity.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

// x:(N,D), N >= 2 -> the D singular values of x - mean(x) (the mean over rows), largest first.
// From the D x D covariance's eigenvalues (apps/lib/pca.h): s_k = sqrt((N-1) lambda_k), rounding's
// tiny negative eigenvalues read as 0.
std::vector<double> centred_singular_values(const Tensor& x);

// exp(H(p)) with p_k = s_k / sum_j s_j and H the Shannon entropy (natural log, 0 log 0 = 0):
// 1 when one direction holds all the spread, K for K equal singular values. 0 when every s_k is 0
// (the rank of a zero matrix). Values must be >= 0.
double effective_rank(const std::vector<double>& singular_values);
// The effective rank of x's centred rows, x:(N,D), N >= 2.
double effective_rank(const Tensor& x);

// x:(N,D), N >= 2: each row divided by its length (a zero row stays 0), then the standard deviation
// of each column over the rows (divided by N, not N - 1), averaged over the D columns. About
// 1/sqrt(D) for rows spread evenly over the sphere, 0 when every row points the same way.
double normalized_std(const Tensor& x);

// The CLI's collapse test on a batch of embeddings x:(N,D), N >= 2. Centred first, so that an offset
// shared by every row (ReLU features are all positive) is not read as collapse:
//  * spread: rms_i |x_i - mean| / rms_i |x_i|, 0 for all-zero rows. Below min_spread the rows are one
//    point: the default 1e-4 is little more than float32 rounding (2^-23 = 1.2e-7 per value, summed
//    over layers); a loss that compares distances with a margin on unit vectors (triplet) is stuck
//    much earlier, at about 0.01, and passes that instead. Any spread above rounding can still
//    carry the neighbours: a representation 1% wide around a large offset retrieves as well as
//    one centred on 0 (cosine retrieval of ReLU features does exactly that).
//  * effective rank of the centred rows: below 1.5, the rows vary along about one direction.
// Either one makes the embedding collapsed.
struct CollapseCheck {
    double spread = 0;
    double effective_rank = 0;
    int64_t dims = 0;   // D, the largest effective rank possible
    double min_spread = 1e-4;
    static constexpr double kMinEffectiveRank = 1.5;
    bool collapsed() const { return spread < min_spread || effective_rank < kMinEffectiveRank; }
    // "collapsed to nearly one point (centred spread 3e-06 of the rows' length, effective rank 12.1 of 64)"
    std::string describe() const;
};
CollapseCheck check_collapse(const Tensor& x, double min_spread = 1e-4);

}  // namespace ct
