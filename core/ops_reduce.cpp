// Reductions over one dimension (viewed as outer x n x inner) or over everything.
// Sums accumulate in double: a float running sum over 10^6 terms loses the low digits.
#include <cmath>
#include <limits>

#include "core/broadcast.h"
#include "core/ops.h"

namespace ct {
using detail::AxisSplit;
using detail::split_at;
using detail::wrap_dim;

namespace {
void check_nonempty(const char* op, const Tensor& x) {
    CT_CHECK(x.defined(), op << ": got an undefined tensor");
}
}  // namespace

// (..) -> ()      y = sum_i x_i
Tensor sum(const Tensor& x) {
    check_nonempty("sum", x);
    const float* px = x.data();
    const int64_t n = x.numel();
    double total = 0;
#pragma omp parallel for reduction(+ : total) if (n >= kParallelGrain)
    for (int64_t i = 0; i < n; ++i) total += px[i];
    Tensor y = Tensor::full({}, float(total));
    return record("sum", y, {x}, [n](const float* dy, Grads& g) {
        if (float* gx = g.get(0))
            parallel_for(n, [=](int64_t s, int64_t e) { for (int64_t i = s; i < e; ++i) gx[i] += dy[0]; });  // dx = dy
    });
}

// (outer, n, inner) -> (outer, inner)      y[o,i] = sum_k x[o,k,i]
Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
    check_nonempty("sum", x);
    dim = wrap_dim("sum", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, keepdim);
    Tensor y = Tensor::empty(s.reduced);
    const float* px = x.data();
    float* py = y.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t o = c / s.inner, i = c % s.inner;
            double acc = 0;
            for (int64_t k = 0; k < s.n; ++k) acc += px[(o * s.n + k) * s.inner + i];
            py[c] = float(acc);
        }
    }, s.n);
    return record("sum_dim", y, {x}, [s](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        parallel_for(s.outer * s.n, [=](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) {
                const int64_t o = r / s.n;
                for (int64_t i = 0; i < s.inner; ++i) gx[r * s.inner + i] += dy[o * s.inner + i];  // dx = dy
            }
        }, s.inner);
    });
}

Tensor mean(const Tensor& x) {
    check_nonempty("mean", x);
    CT_CHECK(x.numel() > 0, "mean: empty tensor " << x.shape());
    return mul(sum(x), 1.f / float(x.numel()));
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
    check_nonempty("mean", x);
    const int64_t n = x.size(wrap_dim("mean", dim, x.dim()));
    CT_CHECK(n > 0, "mean: dimension " << dim << " of " << x.shape() << " is empty");
    return mul(sum(x, dim, keepdim), 1.f / float(n));
}

namespace {

// Max or min along dim with the index of the winner; backward routes dy to that index.
template <class Better>
ValuesIndices extreme(const char* name, const Tensor& x, int64_t dim, bool keepdim, Better better) {
    check_nonempty(name, x);
    dim = wrap_dim(name, dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, keepdim);
    CT_CHECK(s.n > 0, name << ": dimension " << dim << " of " << x.shape() << " is empty");
    Tensor y = Tensor::empty(s.reduced);
    std::vector<int64_t> idx(size_t(s.outer * s.inner));
    const float* px = x.data();
    float* py = y.data();
    int64_t* pi = idx.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t o = c / s.inner, i = c % s.inner;
            int64_t best = 0;
            float v = px[o * s.n * s.inner + i];
            for (int64_t k = 1; k < s.n; ++k) {
                const float w = px[(o * s.n + k) * s.inner + i];
                if (better(w, v) || (std::isnan(w) && !std::isnan(v))) { v = w; best = k; }
            }
            py[c] = v;
            pi[c] = best;
        }
    }, s.n);
    Tensor out = record(name, y, {x}, [s, idx](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        for (int64_t c = 0; c < s.outer * s.inner; ++c) {
            const int64_t o = c / s.inner, i = c % s.inner;
            gx[(o * s.n + idx[size_t(c)]) * s.inner + i] += dy[c];   // dx = dy at the winner
        }
    });
    return {out, std::move(idx)};
}

}  // namespace

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme("max", x, dim, keepdim, [](float a, float b) { return a > b; });
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme("min", x, dim, keepdim, [](float a, float b) { return a < b; });
}
Tensor max(const Tensor& x) { return max(reshape(x, {-1}), 0).values; }
Tensor min(const Tensor& x) { return min(reshape(x, {-1}), 0).values; }

std::vector<int64_t> argmax(const Tensor& x, int64_t dim) {
    NoGradGuard no_grad;
    return max(x, dim).indices;
}

// y = m + log sum_k exp(x_k - m), m = max_k x_k.      dx = dy * exp(x - y) = dy * softmax(x)
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim) {
    check_nonempty("logsumexp", x);
    dim = wrap_dim("logsumexp", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, keepdim);
    CT_CHECK(s.n > 0, "logsumexp: dimension " << dim << " of " << x.shape() << " is empty");
    Tensor y = Tensor::empty(s.reduced);
    const float* px = x.data();
    float* py = y.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t o = c / s.inner, i = c % s.inner;
            const float* row = px + o * s.n * s.inner + i;
            float m = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < s.n; ++k) m = std::max(m, row[k * s.inner]);
            if (std::isinf(m)) { py[c] = m; continue; }   // all -inf (fully masked) or an inf
            double acc = 0;
            for (int64_t k = 0; k < s.n; ++k) acc += std::exp(double(row[k * s.inner] - m));
            py[c] = m + float(std::log(acc));
        }
    }, s.n);
    return record("logsumexp", y, {x}, [x, yd = y.detach(), s](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        const float *px = x.data(), *py = yd.data();
        parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
            for (int64_t c = b; c < e; ++c) {
                const int64_t o = c / s.inner, i = c % s.inner;
                if (std::isinf(py[c]) && py[c] < 0) continue;   // nothing to distribute
                for (int64_t k = 0; k < s.n; ++k) {
                    const int64_t j = (o * s.n + k) * s.inner + i;
                    gx[j] += dy[c] * std::exp(px[j] - py[c]);   // softmax_k
                }
            }
        }, s.n);
    });
}

// Composed: mean of squared deviations, times n/(n-1) when unbiased (Bessel), as torch.var.
Tensor var(const Tensor& x, int64_t dim, bool unbiased, bool keepdim) {
    check_nonempty("var", x);
    const int64_t n = x.size(wrap_dim("var", dim, x.dim()));
    CT_CHECK(n > (unbiased ? 1 : 0), "var: dimension " << dim << " of " << x.shape() << " has "
                                         << n << " element(s), too few for the "
                                         << (unbiased ? "unbiased" : "biased") << " variance");
    Tensor dev = sub(x, mean(x, dim, true));
    return mul(sum(square(dev), dim, keepdim), 1.f / float(unbiased ? n - 1 : n));
}

// y = sqrt(sum_k x_k^2).   dx = dy * x / y, taken as 0 where y = 0 (a subgradient, so that the
// norm of a zero vector, e.g. a zero embedding, does not poison training with NaN).
Tensor norm(const Tensor& x, int64_t dim, bool keepdim) {
    check_nonempty("norm", x);
    dim = wrap_dim("norm", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, keepdim);
    Tensor y = Tensor::empty(s.reduced);
    const float* px = x.data();
    float* py = y.data();
    parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            const int64_t o = c / s.inner, i = c % s.inner;
            double acc = 0;
            for (int64_t k = 0; k < s.n; ++k) {
                const double v = px[(o * s.n + k) * s.inner + i];
                acc += v * v;
            }
            py[c] = float(std::sqrt(acc));
        }
    }, s.n);
    return record("norm", y, {x}, [x, yd = y.detach(), s](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        const float *px = x.data(), *py = yd.data();
        parallel_for(s.outer * s.inner, [=](int64_t b, int64_t e) {
            for (int64_t c = b; c < e; ++c) {
                if (py[c] == 0.f) continue;
                const int64_t o = c / s.inner, i = c % s.inner;
                const float scale = dy[c] / py[c];
                for (int64_t k = 0; k < s.n; ++k) {
                    const int64_t j = (o * s.n + k) * s.inner + i;
                    gx[j] += scale * px[j];   // x / |x|
                }
            }
        }, s.n);
    });
}

const char* reduction_name(Reduction r) {
    switch (r) {
        case Reduction::Mean: return "mean";
        case Reduction::MeanNonZero: return "mean_non_zero";
        case Reduction::Sum: return "sum";
        case Reduction::None: return "none";
    }
    return "?";
}

// (T) -> ()   composed: mean, sum, or sum / (number of terms > 0)
Tensor reduce_losses(const Tensor& losses, Reduction reduction) {
    CT_CHECK(losses.defined() && losses.dim() == 1,
             "reduce_losses: losses must be a vector (T), got " << (losses.defined() ? losses.shape() : Shape{}));
    CT_CHECK(losses.numel() > 0, "reduce_losses: no terms to reduce (" << reduction_name(reduction)
                                     << "); a loss with nothing mined returns zero_loss instead");
    switch (reduction) {
        case Reduction::Mean: return mean(losses);
        case Reduction::Sum: return sum(losses);
        case Reduction::None: return losses;
        case Reduction::MeanNonZero: {
            // The count is a constant of the batch (no gradient flows through "how many are > 0");
            // the zero terms add nothing to the sum, so sum/count is the mean over the non-zero ones.
            int64_t count = 0;
            const float* p = losses.data();
            for (int64_t i = 0; i < losses.numel(); ++i) count += p[i] > 0.f;
            return count == 0 ? mul(sum(losses), 0.f) : mul(sum(losses), 1.f / float(count));
        }
    }
    return mean(losses);
}

}  // namespace ct
