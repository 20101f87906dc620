// The communicator of data-parallel training: rank, world size and the few collectives the
// trainer needs, over MPI (OpenMPI). MPI starts lazily, on the first call, and only when a launcher
// (mpirun, srun) started the process; a process started alone never touches MPI and is rank 0 of 1,
// so every command of the CLI and the test suite runs unchanged without mpirun.
// The differentiable all_gather op is in core/ops.h (ops_distributed.cpp); training's use of these
// is in apps/contrast/distributed_train.*; docs/DISTRIBUTED.md tells the whole story.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ct::dist {

int rank();             // 0 .. world_size() - 1
int world_size();       // 1 without a launcher
bool is_main();         // rank 0: the one that prints and writes files
bool launched();        // started by mpirun / srun (MPI is initialised on first use)

// Every collective below must be called by every rank, in the same order.
void allreduce_sum(float* data, int64_t n);      // in place: data = sum over ranks
void allreduce_sum(double* data, int64_t n);
int64_t allreduce_sum(int64_t value);
int64_t allreduce_max(int64_t value);
void broadcast(float* data, int64_t n, int root = 0);
std::string broadcast(const std::string& text, int root = 0);
// Row counts of every rank, then the rows themselves: out holds rank 0's rows, then rank 1's, ...
std::vector<int64_t> all_gather_counts(int64_t count);
std::vector<int64_t> all_gather_ints(const std::vector<int64_t>& mine);   // every rank's values, in rank order
void all_gather_rows(const float* mine, int64_t my_count, const std::vector<int64_t>& counts, float* out);
// The inverse in backward: each rank receives its own block of the sum over ranks of `full`.
void reduce_scatter_rows(const float* full, const std::vector<int64_t>& counts, float* mine);
// Every rank's values to `root` alone (MPI_Gatherv): out, on root, receives rank 0's values, then
// rank 1's, ...; the other ranks pass out = nullptr. counts: the values of every rank (all_gather_counts).
void gather_rows(const float* mine, int64_t my_count, const std::vector<int64_t>& counts, float* out, int root = 0);
void barrier();
// A barrier whose waiting ranks sleep (polling every 2 ms) instead of spinning: for the ranks that
// wait while rank 0 alone evaluates or writes, so they do not take a core from it.
void wait_for_all();

// Stops every rank (MPI_Abort) after printing "error (rank R of K): message" to stderr: an error on
// one rank must not leave the others waiting forever in a collective. Alone: prints and exits.
[[noreturn]] void abort_all(const std::string& message, int code = 1);

}  // namespace ct::dist
