// PCA through the covariance eigenproblem; see pca.h. The covariance is one GEMM (float, on centred
// data, so no catastrophic cancellation), then dsyevr in double asks only for the top P pairs.
#include "apps/lib/pca.h"

#include <algorithm>
#include <cmath>

#include "core/blas.h"

// LAPACK's Fortran symbol (no lapacke.h on the system). Trailing lengths of the three CHARACTER
// arguments are the gfortran calling convention.
extern "C" void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a,
                        const int* lda, const double* vl, const double* vu, const int* il, const int* iu,
                        const double* abstol, int* m, double* w, double* z, const int* ldz, int* isuppz,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
                        size_t, size_t);

namespace ct {

Pca fit_pca(const Tensor& x, int64_t components) {
    CT_CHECK(x.dim() == 2 && x.size(0) >= 2, "fit_pca: x " << x.shape() << " must be (N,D) with N >= 2");
    const int64_t N = x.size(0), D = x.size(1), P = components;
    CT_CHECK(P >= 1 && P <= D, "fit_pca: " << P << " components asked of " << D << "-dimensional data");
    const float* px = x.data();

    Pca pca;
    pca.mean = Tensor::zeros({D});
    std::vector<double> mean(size_t(D), 0.0);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < D; ++j) mean[size_t(j)] += px[i * D + j];
    for (int64_t j = 0; j < D; ++j) pca.mean.data()[j] = float(mean[size_t(j)] / double(N));
    std::vector<float> centred(size_t(N * D));
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < D; ++j) centred[size_t(i * D + j)] = px[i * D + j] - pca.mean.data()[j];

    std::vector<float> cov(size_t(D * D));   // cov(D,D) = Xc^T Xc / (N - 1)
    gemm(Trans, NoTrans, D, D, N, 1.f / float(N - 1), centred.data(), D, centred.data(), D, 0.f, cov.data(), D);
    std::vector<double> a(cov.begin(), cov.end());
    for (int64_t j = 0; j < D; ++j) pca.total_variance += a[size_t(j * D + j)];

    // Eigenpairs il..iu in ascending order: the top P are D-P+1..D.
    const int n = int(D), il = int(D - P + 1), iu = int(D), lwork_query = -1;
    const double vl = 0, vu = 0, abstol = 0;
    int m = 0, info = 0, iwork_size = 0;
    std::vector<double> w(static_cast<size_t>(D)), z(size_t(D * P));
    std::vector<int> isuppz(size_t(2 * P));
    double work_size = 0;
    dsyevr_("V", "I", "U", &n, a.data(), &n, &vl, &vu, &il, &iu, &abstol, &m, w.data(), z.data(), &n, isuppz.data(),
            &work_size, &lwork_query, &iwork_size, &lwork_query, &info, 1, 1, 1);
    const int lwork = int(work_size), liwork = iwork_size;
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dsyevr_("V", "I", "U", &n, a.data(), &n, &vl, &vu, &il, &iu, &abstol, &m, w.data(), z.data(), &n, isuppz.data(),
            work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
    CT_CHECK_AS(ValueError, info == 0 && m == P,
                "fit_pca: LAPACK dsyevr failed (info " << info << ", " << m << " of " << P
                                                       << " eigenpairs): does the data hold NaN or inf?");

    pca.components = Tensor::empty({P, D});
    for (int64_t p = 0; p < P; ++p) {
        const double* v = z.data() + (P - 1 - p) * D;   // column P-1-p (column-major): descending order
        const int64_t big = std::max_element(v, v + D, [](double s, double t) { return std::fabs(s) < std::fabs(t); }) - v;
        const double sign = v[big] < 0 ? -1.0 : 1.0;
        for (int64_t j = 0; j < D; ++j) pca.components.data()[p * D + j] = float(sign * v[j]);
        pca.explained_variance.push_back(w[size_t(P - 1 - p)]);
    }
    return pca;
}

Tensor Pca::transform(const Tensor& x) const {
    const int64_t D = mean.numel(), P = components.size(0);
    CT_CHECK(x.dim() == 2 && x.size(1) == D, "Pca::transform: x " << x.shape() << " must be (N," << D << ")");
    const int64_t N = x.size(0);
    std::vector<float> centred(x.data(), x.data() + N * D);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < D; ++j) centred[size_t(i * D + j)] -= mean.data()[j];
    Tensor y = Tensor::zeros({N, P});
    if (N > 0) gemm(NoTrans, Trans, N, P, D, centred.data(), components.data(), 0.f, y.data());   // y = xc V^T
    return y;
}

}  // namespace ct
