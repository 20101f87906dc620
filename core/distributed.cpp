// The MPI communicator behind core/distributed.h. MPI_Init_thread(FUNNELED): only the main thread
// calls MPI (the loader's threads and OpenMP's never do). Without a launcher MPI is never started:
// OpenMPI's singleton start works (as root too) but costs ~0.6 s, which every `contrast eval` and
// test would pay for nothing.
#include "core/distributed.h"

// The C API only: OpenMPI's C++ bindings (deprecated) would warn under -Wextra.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/check.h"

namespace ct::dist {
namespace {

struct World {
    int rank = 0, size = 1;
    bool mpi = false;
};

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// A non-blocking barrier polled every 2 ms: the waiting ranks sleep, where MPI_Barrier (and any
// blocking collective) spins and takes a core from the rank they wait for.
void sleeping_barrier() {
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    for (int done = 0; MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done;)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// A rank done first (rank 1 while rank 0 computes eval's metrics or writes a run's pictures) would
// spin in MPI_Finalize's wait for the others, taking a core from rank 0.
void finish() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    sleeping_barrier();
    MPI_Finalize();
}

World start() {
    World w;
    if (!launched()) {
        // srun without an MPI plugin starts N independent processes that would each train alone
        // and overwrite each other's files: refuse, naming the fix.
        const char* tasks = env("SLURM_NTASKS");
        CT_CHECK_AS(ValueError, !tasks || std::atoi(tasks) <= 1,
                    "srun started " << tasks << " tasks but none has an MPI rank: launch with "
                                       "`srun --mpi=pmix` (or pmi2), or with mpirun");
        return w;
    }
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    w.mpi = true;
    std::atexit(finish);
    return w;
}

const World& world() {
    static const World w = start();
    return w;
}

// MPI counts are int: larger messages are refused with a clear error rather than wrapping.
int as_count(int64_t n, const char* what) {
    CT_CHECK(n >= 0 && n <= INT_MAX, "distributed " << what << ": " << n << " elements exceed MPI's int count");
    return int(n);
}

}  // namespace

bool launched() {
    return env("OMPI_COMM_WORLD_SIZE") || env("PMIX_RANK") || env("PMI_RANK") || env("PMI_SIZE");
}
int rank() { return world().rank; }
int world_size() { return world().size; }
bool is_main() { return rank() == 0; }

// Chunks of 2^30 keep each call within MPI's int counts for any tensor size.
void allreduce_sum(float* data, int64_t n) {
    if (world_size() == 1) return;
    for (int64_t at = 0; at < n; at += int64_t(1) << 30) {
        const int len = int(std::min<int64_t>(n - at, int64_t(1) << 30));
        MPI_Allreduce(MPI_IN_PLACE, data + at, len, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
}

void allreduce_sum(double* data, int64_t n) {
    if (world_size() == 1) return;
    MPI_Allreduce(MPI_IN_PLACE, data, as_count(n, "allreduce"), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int64_t allreduce_sum(int64_t value) {
    if (world_size() == 1) return value;
    long long v = value;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return int64_t(v);
}

int64_t allreduce_max(int64_t value) {
    if (world_size() == 1) return value;
    long long v = value;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return int64_t(v);
}

void broadcast(float* data, int64_t n, int root) {
    if (world_size() == 1) return;
    for (int64_t at = 0; at < n; at += int64_t(1) << 30) {
        const int len = int(std::min<int64_t>(n - at, int64_t(1) << 30));
        MPI_Bcast(data + at, len, MPI_FLOAT, root, MPI_COMM_WORLD);
    }
}

std::string broadcast(const std::string& text, int root) {
    if (world_size() == 1) return text;
    long long len = (long long)text.size();
    MPI_Bcast(&len, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD);
    std::string out = rank() == root ? text : std::string(size_t(len), '\0');
    MPI_Bcast(out.data(), as_count(len, "broadcast"), MPI_CHAR, root, MPI_COMM_WORLD);
    return out;
}

std::vector<int64_t> all_gather_counts(int64_t count) {
    std::vector<long long> all(size_t(world_size()), 0);
    long long mine = count;
    if (world_size() == 1) all[0] = mine;
    else MPI_Allgather(&mine, 1, MPI_LONG_LONG, all.data(), 1, MPI_LONG_LONG, MPI_COMM_WORLD);
    return std::vector<int64_t>(all.begin(), all.end());
}

namespace {
// MPI_Allgatherv's per-rank counts and offsets (ints, checked) for rows of `counts` per rank.
struct GathervLayout {
    std::vector<int> counts, offsets;
    int64_t total = 0;
};
GathervLayout gatherv_layout(const std::vector<int64_t>& counts) {
    GathervLayout l;
    for (int64_t c : counts) {
        l.offsets.push_back(as_count(l.total, "all_gather"));
        l.counts.push_back(as_count(c, "all_gather"));
        l.total += c;
    }
    as_count(l.total, "all_gather");
    return l;
}
}  // namespace

std::vector<int64_t> all_gather_ints(const std::vector<int64_t>& mine) {
    if (world_size() == 1) return mine;
    const std::vector<int64_t> counts = all_gather_counts(int64_t(mine.size()));
    const GathervLayout l = gatherv_layout(counts);
    std::vector<long long> in(mine.begin(), mine.end());
    std::vector<long long> out(static_cast<size_t>(l.total));
    MPI_Allgatherv(in.data(), int(in.size()), MPI_LONG_LONG, out.data(), l.counts.data(), l.offsets.data(),
                   MPI_LONG_LONG, MPI_COMM_WORLD);
    return std::vector<int64_t>(out.begin(), out.end());
}

void all_gather_rows(const float* mine, int64_t my_count, const std::vector<int64_t>& counts, float* out) {
    if (world_size() == 1) {
        std::memcpy(out, mine, size_t(my_count) * sizeof(float));
        return;
    }
    const GathervLayout l = gatherv_layout(counts);
    MPI_Allgatherv(mine, as_count(my_count, "all_gather"), MPI_FLOAT, out, l.counts.data(), l.offsets.data(),
                   MPI_FLOAT, MPI_COMM_WORLD);
}

void gather_rows(const float* mine, int64_t my_count, const std::vector<int64_t>& counts, float* out, int root) {
    if (world_size() == 1) {
        std::memcpy(out, mine, size_t(my_count) * sizeof(float));
        return;
    }
    const GathervLayout l = gatherv_layout(counts);
    MPI_Gatherv(mine, as_count(my_count, "gather"), MPI_FLOAT, out, l.counts.data(), l.offsets.data(), MPI_FLOAT,
                root, MPI_COMM_WORLD);
}

void reduce_scatter_rows(const float* full, const std::vector<int64_t>& counts, float* mine) {
    if (world_size() == 1) {
        std::memcpy(mine, full, size_t(counts[0]) * sizeof(float));
        return;
    }
    std::vector<int> n(counts.size());
    int64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
        n[r] = as_count(counts[r], "reduce_scatter");
        total += counts[r];
    }
    as_count(total, "reduce_scatter");
    MPI_Reduce_scatter(full, mine, n.data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void barrier() {
    if (world_size() > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void wait_for_all() {
    if (world_size() > 1) sleeping_barrier();
}

void abort_all(const std::string& message, int code) {
    const World& w = world();
    if (w.size > 1) {
        std::fprintf(stderr, "error (rank %d of %d): %s\n", w.rank, w.size, message.c_str());
        std::fprintf(stderr, "stopping every rank (MPI_Abort)\n");
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    std::fprintf(stderr, "error: %s\n", message.c_str());
    std::exit(code);
}

}  // namespace ct::dist
