// Matrix products on OpenBLAS sgemm. Transposed operands are passed to BLAS as flags, never copied,
// in the forward and in both backward products.
#include "core/blas.h"
#include "core/ops.h"

namespace ct {

namespace {
Transpose flip(Transpose t) { return t == NoTrans ? Trans : NoTrans; }

// C = op(A) op(B) for one pair of matrices, and its backward. A, B as stored; op per flag.
Tensor matmul_2d(const Tensor& a, const Tensor& b, Transpose ta, Transpose tb) {
    const int64_t M = ta == NoTrans ? a.size(0) : a.size(1), K = ta == NoTrans ? a.size(1) : a.size(0);
    const int64_t Kb = tb == NoTrans ? b.size(0) : b.size(1), N = tb == NoTrans ? b.size(1) : b.size(0);
    CT_CHECK(K == Kb, "matmul: " << a.shape() << (ta == Trans ? "^T" : "") << " @ " << b.shape()
                                 << (tb == Trans ? "^T" : "") << ": inner sizes differ (" << K
                                 << " vs " << Kb << ")");
    Tensor c = Tensor::empty({M, N});
    gemm(ta, tb, M, N, K, a.data(), b.data(), 0.f, c.data());
    return record("matmul", c, {a, b}, [a, b, ta, tb, M, N, K](const float* dc, Grads& g) {
        if (float* da = g.get(0)) {
            if (ta == NoTrans) gemm(NoTrans, flip(tb), M, K, N, dc, b.data(), 1.f, da);  // dA += dC op(B)^T
            else gemm(tb, Trans, K, M, N, b.data(), dc, 1.f, da);                     // dA += op(B) dC^T
        }
        if (float* db = g.get(1)) {
            if (tb == NoTrans) gemm(flip(ta), NoTrans, K, N, M, a.data(), dc, 1.f, db);  // dB += op(A)^T dC
            else gemm(Trans, ta, N, K, M, dc, a.data(), 1.f, db);                     // dB += dC^T op(A)
        }
    });
}

// (B,M,K) @ (B,K,N): one sgemm per matrix of the batch (BLAS threads each; no OpenMP around it).
Tensor matmul_batched(const Tensor& a, const Tensor& b) {
    const int64_t B = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
    CT_CHECK(b.size(0) == B && b.size(1) == K,
             "matmul: " << a.shape() << " @ " << b.shape() << ": batch or inner sizes differ");
    Tensor c = Tensor::empty({B, M, N});
    for (int64_t i = 0; i < B; ++i)
        gemm(NoTrans, NoTrans, M, N, K, a.data() + i * M * K, b.data() + i * K * N, 0.f, c.data() + i * M * N);
    return record("matmul_batched", c, {a, b}, [a, b, B, M, N, K](const float* dc, Grads& g) {
        float *da = g.get(0), *db = g.get(1);
        for (int64_t i = 0; i < B; ++i) {
            const float* dci = dc + i * M * N;
            if (da) gemm(NoTrans, Trans, M, K, N, dci, b.data() + i * K * N, 1.f, da + i * M * K);  // dA += dC B^T
            if (db) gemm(Trans, NoTrans, K, N, M, a.data() + i * M * K, dci, 1.f, db + i * K * N);  // dB += A^T dC
        }
    });
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
    CT_CHECK(a.defined() && b.defined(), "matmul: got an undefined tensor");
    if (a.dim() == 2 && b.dim() == 2)
        return matmul_2d(a, b, transpose_a ? Trans : NoTrans, transpose_b ? Trans : NoTrans);
    CT_CHECK(!transpose_a && !transpose_b,
             "matmul: transpose flags apply to 2-d operands, got " << a.shape() << " @ " << b.shape());
    if (a.dim() == 3 && b.dim() == 2) {   // the batch folds into the rows: one large GEMM
        CT_CHECK(a.size(2) == b.size(0), "matmul: " << a.shape() << " @ " << b.shape()
                                                    << ": inner sizes differ (" << a.size(2) << " vs "
                                                    << b.size(0) << ")");
        return reshape(matmul_2d(reshape(a, {-1, a.size(2)}), b, NoTrans, NoTrans),
                       {a.size(0), a.size(1), b.size(1)});
    }
    CT_CHECK(a.dim() == 3 && b.dim() == 3,
             "matmul: supports (M,K)@(K,N), (B,M,K)@(B,K,N) and (B,M,K)@(K,N), got " << a.shape()
                                                                                    << " @ " << b.shape());
    return matmul_batched(a, b);
}

// y = x w^T + b        x:(N,IN)  w:(OUT,IN)  b:(OUT)  ->  y:(N,OUT)
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
    CT_CHECK(x.defined() && w.defined() && x.dim() == 2 && w.dim() == 2 && x.size(1) == w.size(1),
             "linear: x " << (x.defined() ? x.shape() : Shape{}) << " and w "
                          << (w.defined() ? w.shape() : Shape{}) << " must be (N,IN) and (OUT,IN)");
    const int64_t N = x.size(0), IN = x.size(1), OUT = w.size(0);
    CT_CHECK(!b.defined() || b.shape() == Shape{OUT},
             "linear: bias " << b.shape() << " must be (" << OUT << ") for w " << w.shape());
    Tensor y = Tensor::empty({N, OUT});
    float* py = y.data();
    if (b.defined())
        for (int64_t n = 0; n < N; ++n) std::copy(b.data(), b.data() + OUT, py + n * OUT);   // y = b
    gemm(NoTrans, Trans, N, OUT, IN, x.data(), w.data(), b.defined() ? 1.f : 0.f, py);     // y += x w^T
    return record("linear", y, {x, w, b}, [x, w, N, IN, OUT](const float* dy, Grads& g) {
        // A fresh gradient takes the product with beta 0 (no zero-fill pass of ours before it)
        const Grads::Whole dx = g.get_whole(0);
        if (dx.data) gemm(NoTrans, NoTrans, N, IN, OUT, dy, w.data(), dx.add ? 1.f : 0.f, dx.data);  // dx += dy w
        const Grads::Whole dw = g.get_whole(1);
        if (dw.data) gemm(Trans, NoTrans, OUT, IN, N, dy, x.data(), dw.add ? 1.f : 0.f, dw.data);    // dw += dy^T x
        if (float* db = g.get(2))                                                                  // db += sum_n dy
            for (int64_t n = 0; n < N; ++n)
                for (int64_t o = 0; o < OUT; ++o) db[o] += dy[n * OUT + o];
    });
}

// d2[i,j] = |a_i|^2 + |b_j|^2 - 2 a_i.b_j, composed from ops around one GEMM; the clamp removes the
// small negative values that cancellation leaves for (nearly) equal points.
Tensor pairwise_sq_dist(const Tensor& a, const Tensor& b) {
    CT_CHECK(a.defined() && b.defined() && a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1),
             "pairwise_sq_dist: a " << (a.defined() ? a.shape() : Shape{}) << " and b "
                                    << (b.defined() ? b.shape() : Shape{}) << " must be (N,D) and (M,D)");
    Tensor sq_a = sum(square(a), 1, true);                    // (N,1)
    Tensor sq_b = reshape(sum(square(b), 1), {1, b.size(0)});   // (1,M)
    return clamp_min(sq_a + sq_b - 2.f * matmul(a, b, false, true), 0.f);
}

}  // namespace ct
