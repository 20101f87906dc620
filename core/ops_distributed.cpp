// all_gather, the one differentiable collective: every rank's rows in one tensor, with the backward
// that makes cross-rank negatives train (the gathered copies carry gradient back to their owners).
// The communicator is core/distributed.h; the losses that use it are in losses/global_batch.*.
#include "core/distributed.h"
#include "core/ops.h"

namespace ct {

// x:(n_r, ...) on rank r -> (n_0 + .. + n_{K-1}, ...): rank 0's rows, then rank 1's, ...
// Backward: the loss of every rank depends on every gathered row, so the gradient of row block r
// is the SUM over ranks of their dy blocks r: a reduce-scatter (sum, then each rank keeps its own
// block). Dropping that sum (treating the gathered rows as constants, or keeping only this rank's
// dy) is the bug that leaves a gathered contrastive loss stuck near ln(2N).
Tensor all_gather(const Tensor& x, std::vector<int64_t>* rows_per_rank) {
    CT_CHECK(x.defined() && x.dim() >= 1, "all_gather: x must have at least one dimension (rows), got "
                                              << (x.defined() ? x.shape() : Shape{}));
    const int64_t rows = x.size(0), width = numel_of(Shape(x.shape().begin() + 1, x.shape().end()));
    const std::vector<int64_t> widths = dist::all_gather_counts(width);
    for (size_t r = 0; r < widths.size(); ++r)
        CT_CHECK(widths[r] == width, "all_gather: rank " << r << " has rows of " << widths[r] << " values, rank "
                                                         << dist::rank() << " rows of " << width << " (x "
                                                         << x.shape() << "): every rank must send rows of one shape");
    std::vector<int64_t> counts = dist::all_gather_counts(rows);
    int64_t total = 0;
    for (int64_t c : counts) total += c;
    if (rows_per_rank) *rows_per_rank = counts;
    Shape shape = x.shape();
    shape[0] = total;
    Tensor y = Tensor::empty(shape);
    std::vector<int64_t> values(counts.size());
    for (size_t r = 0; r < counts.size(); ++r) values[r] = counts[r] * width;
    dist::all_gather_rows(x.data(), rows * width, values, y.data());
    return record("all_gather", y, {x}, [values, width, rows](const float* dy, Grads& g) {
            // Collective: every rank runs this node (the graphs are alike), so the call always pairs up.
        std::vector<float> mine(size_t(rows * width));
        dist::reduce_scatter_rows(dy, values, mine.data());   // mine = sum over ranks of dy[own block]
        if (float* dx = g.get(0))
            for (size_t i = 0; i < mine.size(); ++i) dx[i] += mine[i];   // dx += sum_ranks dy_r[own rows]
    });
}

}  // namespace ct
