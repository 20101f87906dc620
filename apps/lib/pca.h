// Principal component analysis, for drawing D-dimensional embeddings in 2-D (`contrast plot`):
// the top eigenvectors of the covariance matrix from LAPACK's dsyevr (OpenBLAS ships LAPACK).
// No whitening, no randomised SVD: D is at most a few hundred here.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ct {

struct Pca {
    Tensor mean;                               // (D)
    Tensor components;                         // (P,D): unit principal axes, largest variance first
    std::vector<double> explained_variance;    // (P): covariance eigenvalues (divided by N - 1)
    double total_variance = 0;                 // trace of the covariance: the share shown is the ratio

    // (N,D) -> (N,P): the centred rows on the axes
    Tensor transform(const Tensor& x) const;
};

// x:(N,D), N >= 2, 1 <= P <= D. Each axis's sign is fixed so that its largest-magnitude entry is
// positive, so the same data always gives the same picture.
Pca fit_pca(const Tensor& x, int64_t components = 2);

}  // namespace ct
