// NumPy broadcasting for the elementwise ops: output shape, per-input strides (0 along a
// broadcast dimension) and the reduction of a gradient back to an input's shape.
#pragma once
#include <vector>

#include "core/parallel.h"
#include "core/tensor.h"

namespace ct::detail {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// Strides of an input of shape `in` read at the positions of `out` (0 where `in` is broadcast).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
// dst (shape in) += src (shape out) summed over the broadcast dimensions.
void sum_to(const float* src, const Shape& out, float* dst, const Shape& in);

// f(i, ia, ib) for every flat output index i, with the matching flat indices of a and b.
// Rows (the last dimension) are distributed over threads when `parallel`.
template <class F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& sa,
                        const std::vector<int64_t>& sb, bool parallel, F f) {
    const size_t nd = out.size();
    const int64_t inner = nd ? out[nd - 1] : 1;
    const int64_t rows = inner ? numel_of(out) / inner : 0;
    const int64_t ia_step = nd ? sa[nd - 1] : 0, ib_step = nd ? sb[nd - 1] : 0;
    auto run_rows = [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            int64_t rem = r, ia = 0, ib = 0;
            for (size_t d = nd ? nd - 1 : 0; d-- > 0;) {   // dims nd-2 .. 0 (none for a 0-d output)
                const int64_t idx = rem % out[d];
                rem /= out[d];
                ia += idx * sa[d];
                ib += idx * sb[d];
            }
            int64_t i = r * inner;
            for (int64_t j = 0; j < inner; ++j, ++i, ia += ia_step, ib += ib_step) f(i, ia, ib);
        }
    };
    if (parallel) parallel_for(rows, run_rows, inner);
    else run_rows(0, rows);
}

}  // namespace ct::detail

namespace ct::detail {

// A dimension index in [0, ndim), from a possibly negative one; names the op when out of range.
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);

// x viewed as (outer, n, inner) around dimension `dim`: the layout every reduction walks.
struct AxisSplit {
    int64_t outer = 1, n = 1, inner = 1;
    Shape reduced;   // shape without dim (or with 1 there when keepdim)
};
AxisSplit split_at(const Shape& shape, int64_t dim, bool keepdim);

}  // namespace ct::detail
