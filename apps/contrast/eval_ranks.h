// The evaluation commands (eval, embed, plot, retrieve) under mpirun / srun: every rank embeds a
// contiguous run of whole batches of a data set, rank 0 receives every row (MPI_Gatherv) and alone
// computes the metrics and writes the files. Alone (no launcher) these are the plain calls.
// Training's use of the ranks is apps/contrast/data_parallel.*; docs/DISTRIBUTED.md tells both.
#pragma once
#include <string>

#include "apps/contrast/setup.h"

namespace ct::app {

// (N, D) on rank 0, in the data set's order; an empty tensor on the other ranks. A collective.
// Rank r embeds whole batches of `batch` images starting at multiples of `batch`, so every batch is
// the one a single process embeds and the rows are the 1-process rows bit for bit (a GEMM's row
// can change in the last bits with the number of rows it is computed with).
Tensor embed_on_ranks(const Model& m, const Dataset& data, const Transform& transform, int64_t batch = 500);

// Under mpirun with more than one rank: refuses a command that does not shard its work, naming it,
// rather than let every rank run it whole and write the same files.
void refuse_under_ranks(const std::string& command);

}  // namespace ct::app
