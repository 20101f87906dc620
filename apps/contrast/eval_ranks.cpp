// Sharded embedding for the evaluation commands; see eval_ranks.h.
#include "apps/contrast/eval_ranks.h"

#include <algorithm>

#include "core/check.h"
#include "core/distributed.h"

namespace ct::app {

Tensor embed_on_ranks(const Model& m, const Dataset& data, const Transform& transform, int64_t batch) {
    const int K = dist::world_size(), r = dist::rank();
    if (K == 1) return embed_dataset(m, data, transform, batch);
    // Every rank must hold the same data set, or the gathered rows would be a silent mix.
    const int64_t n = data.size();
    const int64_t largest = dist::allreduce_max(n), smallest = -dist::allreduce_max(-n);
    CT_CHECK_AS(ValueError, largest == smallest,
                "the ranks of this command hold different data sets (" << smallest << " to " << largest
                                                                       << " images; rank " << r << ": " << n
                                                                       << "): every rank must read the same run and data");
    // Whole batches, the first (batches % K) ranks one more: rank 0 always has one when there is one.
    const int64_t batches = (n + batch - 1) / batch;
    const int64_t first = r * (batches / K) + std::min<int64_t>(r, batches % K);
    const int64_t mine = batches / K + (r < batches % K ? 1 : 0);
    const int64_t begin = std::min(n, first * batch), end = std::min(n, (first + mine) * batch);
    const Tensor rows = begin < end ? embed_rows(m, data, transform, begin, end, batch) : Tensor();
    const int64_t my_values = rows.defined() ? rows.numel() : 0;
    const std::vector<int64_t> counts = dist::all_gather_counts(my_values);
    if (!dist::is_main()) {
        dist::gather_rows(rows.defined() ? rows.data() : nullptr, my_values, counts, nullptr);
        return Tensor();
    }
    CT_CHECK(rows.defined(), "embed_on_ranks: rank 0 has no rows of " << n << " images");   // n > 0: it has batch 0
    int64_t total = 0;
    for (int64_t c : counts) total += c;
    const int64_t D = rows.size(1);
    CT_CHECK(total == n * D, "embed_on_ranks: the ranks sent " << total << " values for " << n << " rows of " << D);
    Tensor all = Tensor::empty({n, D});
    dist::gather_rows(rows.data(), my_values, counts, all.data());
    return all;
}

void refuse_under_ranks(const std::string& command) {
    const int K = dist::world_size();
    CT_CHECK_AS(ValueError, K == 1,
                "contrast " << command << " does not split its work over ranks: under mpirun / srun with " << K
                            << " ranks each would run it whole and write the same files; run it as one process "
                               "(without mpirun)");
}

}  // namespace ct::app
