// Broadcasting rules as NumPy's: shapes align on the right; a size-1 dimension stretches.
#include "core/broadcast.h"

namespace ct::detail {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
    const size_t nd = std::max(a.size(), b.size());
    Shape out(nd);
    for (size_t i = 0; i < nd; ++i) {
        const int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
        const int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
        CT_CHECK(da == db || da == 1 || db == 1,
                 op << ": shapes " << a << " and " << b << " cannot be broadcast (dimension " << i
                    << ": " << da << " vs " << db << ")");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    std::vector<int64_t> strides(out.size(), 0);
    int64_t s = 1;
    for (size_t k = in.size(); k-- > 0;) {
        const size_t d = k + (out.size() - in.size());
        strides[d] = in[k] == 1 ? 0 : s;
        s *= in[k];
    }
    return strides;
}

void sum_to(const float* src, const Shape& out, float* dst, const Shape& in) {
    if (in == out) {
        const int64_t n = numel_of(out);
        parallel_for(n, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) dst[i] += src[i]; });
        return;
    }
    const auto s = broadcast_strides(in, out);
    // Serial: several output positions add into the same input element.
    for_each_broadcast(out, s, s, false, [&](int64_t i, int64_t ia, int64_t) { dst[ia] += src[i]; });
}

}  // namespace ct::detail

namespace ct::detail {

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
    const int64_t n = std::max<int64_t>(ndim, 1);
    CT_CHECK(dim >= -n && dim < n, op << ": dimension " << dim << " out of range for a " << ndim
                                      << "-d tensor");
    return dim < 0 ? dim + n : dim;
}

AxisSplit split_at(const Shape& shape, int64_t dim, bool keepdim) {
    AxisSplit s;
    for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
        if (d < dim) s.outer *= shape[size_t(d)];
        else if (d == dim) s.n = shape[size_t(d)];
        else s.inner *= shape[size_t(d)];
        if (d != dim) s.reduced.push_back(shape[size_t(d)]);
        else if (keepdim) s.reduced.push_back(1);
    }
    return s;
}

}  // namespace ct::detail
