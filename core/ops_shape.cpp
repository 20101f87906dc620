// Shape ops. reshape shares storage (tensors are always contiguous); the others copy, and their
// backward routes each gradient element back to where its value came from.
#include <cstring>

#include "core/broadcast.h"
#include "core/ops.h"

namespace ct {
using detail::AxisSplit;
using detail::split_at;
using detail::wrap_dim;

// (..) -> shape with the same number of elements; shares storage.   dx = dy reshaped
Tensor reshape(const Tensor& x, Shape shape) {
    CT_CHECK(x.defined(), "reshape: got an undefined tensor");
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            CT_CHECK(infer < 0, "reshape: more than one -1 in " << shape);
            infer = int64_t(i);
        } else {
            CT_CHECK(shape[i] >= 0, "reshape: negative size in " << shape);
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        CT_CHECK(known > 0 && x.numel() % known == 0,
                 "reshape: cannot view " << x.shape() << " (" << x.numel() << " elements) as " << shape);
        shape[size_t(infer)] = x.numel() / known;
    }
    CT_CHECK(numel_of(shape) == x.numel(),
             "reshape: cannot view " << x.shape() << " (" << x.numel() << " elements) as " << shape);
    Tensor y = alias_with_shape(x, shape);
    const int64_t n = x.numel();
    return record("reshape", y, {x}, [n](const float* dy, Grads& g) {
        const Grads::Whole gx = g.get_whole(0);
        if (!gx.data) return;
        if (!gx.add) std::memcpy(gx.data, dy, size_t(n) * sizeof(float));   // a fresh gradient: a copy
        else for (int64_t i = 0; i < n; ++i) gx.data[i] += dy[i];
    });
}

Tensor view(const Tensor& x, Shape shape) { return reshape(x, std::move(shape)); }

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
    CT_CHECK(x.defined(), "flatten: got an undefined tensor");
    if (x.dim() == 0) return reshape(x, {1});
    start_dim = wrap_dim("flatten", start_dim, x.dim());
    end_dim = wrap_dim("flatten", end_dim, x.dim());
    CT_CHECK(start_dim <= end_dim, "flatten: start_dim " << start_dim << " after end_dim " << end_dim);
    Shape s;
    for (int64_t d = 0; d < x.dim(); ++d) {
        if (d <= start_dim || d > end_dim) s.push_back(x.size(d));
        else s.back() *= x.size(d);
    }
    return reshape(x, s);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
    dim = wrap_dim("unsqueeze", dim, x.dim() + 1);
    Shape s = x.shape();
    s.insert(s.begin() + dim, 1);
    return reshape(x, s);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
    dim = wrap_dim("squeeze", dim, x.dim());
    CT_CHECK(x.size(dim) == 1, "squeeze: dimension " << dim << " of " << x.shape() << " is not 1");
    Shape s = x.shape();
    s.erase(s.begin() + dim);
    return reshape(x, s);
}

// y[i_0..i_n] = x[i at positions dims^-1]: y.shape[d] = x.shape[dims[d]].   dx = dy permuted back
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
    CT_CHECK(x.defined(), "permute: got an undefined tensor");
    const size_t nd = size_t(x.dim());
    CT_CHECK(dims.size() == nd, "permute: " << dims.size() << " dims for a tensor of shape " << x.shape());
    std::vector<int64_t> in_strides(nd), seen(nd, 0);
    for (size_t d = nd, s = 1; d-- > 0;) { in_strides[d] = int64_t(s); s *= size_t(x.shape()[d]); }
    Shape out(nd);
    std::vector<int64_t> strides(nd);
    for (size_t d = 0; d < nd; ++d) {
        const int64_t src = wrap_dim("permute", dims[d], int64_t(nd));
        CT_CHECK(!seen[size_t(src)]++, "permute: dimension " << src << " repeated");
        out[d] = x.shape()[size_t(src)];
        strides[d] = in_strides[size_t(src)];
    }
    Tensor y = Tensor::empty(out);
    const float* px = x.data();
    float* py = y.data();
    detail::for_each_broadcast(out, strides, strides, true,
                               [=](int64_t i, int64_t ix, int64_t) { py[i] = px[ix]; });
    return record("permute", y, {x}, [out, strides](const float* dy, Grads& g) {
        if (float* gx = g.get(0))   // a permutation: every x element receives exactly one dy
            detail::for_each_broadcast(out, strides, strides, true,
                                       [=](int64_t i, int64_t ix, int64_t) { gx[ix] += dy[i]; });
    });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
    CT_CHECK(x.defined(), "transpose: got an undefined tensor");
    std::vector<int64_t> dims(size_t(x.dim()));
    for (size_t d = 0; d < dims.size(); ++d) dims[d] = int64_t(d);
    const size_t d0 = size_t(wrap_dim("transpose", dim0, x.dim())), d1 = size_t(wrap_dim("transpose", dim1, x.dim()));
    if (!dims.empty()) std::swap(dims[d0], dims[d1]);   // a 0-d tensor has nothing to swap (as in PyTorch)
    return permute(x, dims);
}

// (.., n, ..) -> (.., length, ..) from `start`.   dx[start:start+length] += dy
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
    CT_CHECK(x.defined(), "narrow: got an undefined tensor");
    dim = wrap_dim("narrow", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, true);
    CT_CHECK(start >= 0 && length >= 0 && start + length <= s.n,
             "narrow: [" << start << ", " << start + length << ") is outside dimension " << dim
                         << " of " << x.shape());
    Shape shape = x.shape();
    shape[size_t(dim)] = length;
    Tensor y = Tensor::empty(shape);
    const int64_t row = length * s.inner;
    for (int64_t o = 0; o < s.outer; ++o)
        std::memcpy(y.data() + o * row, x.data() + (o * s.n + start) * s.inner, size_t(row) * sizeof(float));
    return record("narrow", y, {x}, [s, start, row](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        for (int64_t o = 0; o < s.outer; ++o) {
            float* dst = gx + (o * s.n + start) * s.inner;
            for (int64_t j = 0; j < row; ++j) dst[j] += dy[o * row + j];
        }
    });
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
    CT_CHECK(end >= start, "slice: end " << end << " before start " << start);
    return narrow(x, dim, start, end - start);
}

// Inputs placed one after the other along dim.   dx_k = the k-th slab of dy
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
    CT_CHECK(!xs.empty(), "cat: needs at least one tensor");
    for (const Tensor& t : xs) CT_CHECK(t.defined(), "cat: got an undefined tensor");
    dim = wrap_dim("cat", dim, xs[0].dim());
    Shape shape = xs[0].shape();
    int64_t total = 0;
    for (size_t k = 0; k < xs.size(); ++k) {
        const Shape& s = xs[k].shape();
        bool ok = s.size() == shape.size();
        for (size_t d = 0; ok && d < s.size(); ++d) ok = int64_t(d) == dim || s[d] == shape[d];
        CT_CHECK(ok, "cat: tensor " << k << " has shape " << s << ", incompatible with " << shape
                                    << " along dimension " << dim);
        total += s[size_t(dim)];
    }
    shape[size_t(dim)] = total;
    Tensor y = Tensor::empty(shape);
    const AxisSplit s = split_at(shape, dim, true);
    std::vector<int64_t> offsets;   // start of each input along dim
    int64_t off = 0;
    for (const Tensor& t : xs) {
        offsets.push_back(off);
        const int64_t len = t.size(dim) * s.inner;
        for (int64_t o = 0; o < s.outer; ++o)
            std::memcpy(y.data() + (o * s.n + off) * s.inner, t.data() + o * len, size_t(len) * sizeof(float));
        off += t.size(dim);
    }
    std::vector<int64_t> lengths;
    for (const Tensor& t : xs) lengths.push_back(t.size(dim));
    return record("cat", y, xs, [s, offsets, lengths](const float* dy, Grads& g) {
        for (size_t k = 0; k < offsets.size(); ++k) {
            float* gx = g.get(k);
            if (!gx) continue;
            const int64_t len = lengths[k] * s.inner;
            for (int64_t o = 0; o < s.outer; ++o) {
                const float* src = dy + (o * s.n + offsets[k]) * s.inner;
                for (int64_t j = 0; j < len; ++j) gx[o * len + j] += src[j];
            }
        }
    });
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
    CT_CHECK(!xs.empty(), "stack: needs at least one tensor");
    for (size_t k = 1; k < xs.size(); ++k)
        CT_CHECK(xs[k].shape() == xs[0].shape(),
                 "stack: tensor " << k << " has shape " << xs[k].shape() << ", tensor 0 " << xs[0].shape());
    dim = wrap_dim("stack", dim, xs[0].dim() + 1);
    std::vector<Tensor> parts;
    for (const Tensor& t : xs) parts.push_back(unsqueeze(t, dim));
    return cat(parts, dim);
}

// y[o, j, i] = x[o, index[j], i].   dx[o, index[j], i] += dy[o, j, i]
Tensor index_select(const Tensor& x, int64_t dim, const std::vector<int64_t>& index) {
    CT_CHECK(x.defined(), "index_select: got an undefined tensor");
    dim = wrap_dim("index_select", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, true);
    for (int64_t v : index)
        CT_CHECK(v >= 0 && v < s.n, "index_select: index " << v << " out of range for dimension "
                                                           << dim << " of " << x.shape());
    Shape shape = x.shape();
    const int64_t k = int64_t(index.size());
    shape[size_t(dim)] = k;
    Tensor y = Tensor::empty(shape);
    const float* px = x.data();
    float* py = y.data();
    parallel_for(s.outer * k, [=, &index](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
            const int64_t o = r / k, j = r % k;
            std::memcpy(py + r * s.inner, px + (o * s.n + index[size_t(j)]) * s.inner, size_t(s.inner) * sizeof(float));
        }
    }, s.inner);
    return record("index_select", y, {x}, [s, index, k](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        for (int64_t r = 0; r < s.outer * k; ++r) {   // serial: an index may repeat
            float* dst = gx + (r / k * s.n + index[size_t(r % k)]) * s.inner;
            for (int64_t i = 0; i < s.inner; ++i) dst[i] += dy[r * s.inner + i];
        }
    });
}

namespace {
// Shared checks of gather and scatter_add: returns k, the index's size along dim.
int64_t index_extent(const char* op, const AxisSplit& s, int64_t dim, const Shape& shape,
                     const std::vector<int64_t>& index) {
    const int64_t rows = s.outer * s.inner;
    CT_CHECK(rows > 0 && int64_t(index.size()) % rows == 0,
             op << ": " << index.size() << " indices do not match shape " << shape
                << " outside dimension " << dim);
    for (int64_t v : index)
        CT_CHECK(v >= 0 && v < s.n, op << ": index " << v << " out of range for dimension " << dim
                                       << " of " << shape);
    return int64_t(index.size()) / rows;
}
}  // namespace

// y[o, j, i] = x[o, index[o, j, i], i].   dx[o, index[o,j,i], i] += dy[o, j, i]
Tensor gather(const Tensor& x, int64_t dim, const std::vector<int64_t>& index) {
    CT_CHECK(x.defined(), "gather: got an undefined tensor");
    dim = wrap_dim("gather", dim, x.dim());
    const AxisSplit s = split_at(x.shape(), dim, true);
    const int64_t k = index_extent("gather", s, dim, x.shape(), index);
    Shape shape = x.shape();
    shape[size_t(dim)] = k;
    Tensor y = Tensor::empty(shape);
    const float* px = x.data();
    float* py = y.data();
    for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < k; ++j)
            for (int64_t i = 0; i < s.inner; ++i) {
                const int64_t at = (o * k + j) * s.inner + i;
                py[at] = px[(o * s.n + index[size_t(at)]) * s.inner + i];
            }
    return record("gather", y, {x}, [s, k, index](const float* dy, Grads& g) {
        float* gx = g.get(0);
        if (!gx) return;
        for (int64_t o = 0; o < s.outer; ++o)
            for (int64_t j = 0; j < k; ++j)
                for (int64_t i = 0; i < s.inner; ++i) {
                    const int64_t at = (o * k + j) * s.inner + i;
                    gx[(o * s.n + index[size_t(at)]) * s.inner + i] += dy[at];
                }
    });
}

// y = base; y[o, index[o,j,i], i] += src[o, j, i].   dbase = dy;  dsrc[o,j,i] = dy[o, index[o,j,i], i]
Tensor scatter_add(const Tensor& base, int64_t dim, const std::vector<int64_t>& index, const Tensor& src) {
    CT_CHECK(base.defined() && src.defined(), "scatter_add: got an undefined tensor");
    dim = wrap_dim("scatter_add", dim, base.dim());
    const AxisSplit s = split_at(base.shape(), dim, true);
    const int64_t k = index_extent("scatter_add", s, dim, base.shape(), index);
    Shape src_shape = base.shape();
    src_shape[size_t(dim)] = k;
    CT_CHECK(src.shape() == src_shape, "scatter_add: src " << src.shape() << " must be " << src_shape
                                                           << " for base " << base.shape());
    Tensor y = base.clone();
    const float* ps = src.data();
    float* py = y.data();
    for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < k; ++j)
            for (int64_t i = 0; i < s.inner; ++i) {
                const int64_t at = (o * k + j) * s.inner + i;
                py[(o * s.n + index[size_t(at)]) * s.inner + i] += ps[at];
            }
    const int64_t n = base.numel();
    return record("scatter_add", y, {base, src}, [s, k, index, n](const float* dy, Grads& g) {
        if (float* gb = g.get(0)) for (int64_t i = 0; i < n; ++i) gb[i] += dy[i];
        if (float* gs = g.get(1))
            for (int64_t o = 0; o < s.outer; ++o)
                for (int64_t j = 0; j < k; ++j)
                    for (int64_t i = 0; i < s.inner; ++i) {
                        const int64_t at = (o * k + j) * s.inner + i;
                        gs[at] += dy[(o * s.n + index[size_t(at)]) * s.inner + i];
                    }
    });
}

// x broadcast to `shape` (copied).   dx = dy summed over the broadcast dimensions
Tensor expand(const Tensor& x, const Shape& shape) {
    CT_CHECK(x.defined(), "expand: got an undefined tensor");
    CT_CHECK(detail::broadcast_shapes("expand", x.shape(), shape) == shape,
             "expand: " << x.shape() << " cannot be broadcast to " << shape);
    if (x.shape() == shape) return x;
    Tensor y = Tensor::empty(shape);
    const auto strides = detail::broadcast_strides(x.shape(), shape);
    const float* px = x.data();
    float* py = y.data();
    detail::for_each_broadcast(shape, strides, strides, true,
                               [=](int64_t i, int64_t ix, int64_t) { py[i] = px[ix]; });
    return record("expand", y, {x}, [in = x.shape(), shape](const float* dy, Grads& g) {
        if (float* gx = g.get(0)) detail::sum_to(dy, shape, gx, in);
    });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) { return expand(x, shape); }

// (n) -> (n, n) with x on the diagonal;  (n, m) -> (min(n, m)) the diagonal.
Tensor diag(const Tensor& x) {
    CT_CHECK(x.defined() && (x.dim() == 1 || x.dim() == 2),
             "diag: needs a 1-d or 2-d tensor, got " << (x.defined() ? x.shape() : Shape{}));
    if (x.dim() == 1) {
        const int64_t n = x.size(0);
        Tensor y = Tensor::zeros({n, n});
        for (int64_t i = 0; i < n; ++i) y.data()[i * n + i] = x.data()[i];
        return record("diag", y, {x}, [n](const float* dy, Grads& g) {
            if (float* gx = g.get(0)) for (int64_t i = 0; i < n; ++i) gx[i] += dy[i * n + i];
        });
    }
    const int64_t rows = x.size(0), cols = x.size(1), n = std::min(rows, cols);
    Tensor y = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) y.data()[i] = x.data()[i * cols + i];
    return record("diag", y, {x}, [n, cols](const float* dy, Grads& g) {
        if (float* gx = g.get(0)) for (int64_t i = 0; i < n; ++i) gx[i * cols + i] += dy[i];
    });
}

}  // namespace ct
