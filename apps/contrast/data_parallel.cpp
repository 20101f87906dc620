// DataParallel (see data_parallel.h): the checks and collectives of a K-rank training run.
#include "apps/contrast/data_parallel.h"

#include <cstdio>
#include <sstream>

#include "core/distributed.h"
#include "data/shard.h"

namespace ct::app {
namespace {

// This rank's differences from rank 0's config and data, one "what (rank 0: x, rank r: y)" each.
std::string differences(const RunConfig& c, const std::string& data) {
    nlohmann::json mine = to_json(c);
    mine["training data"] = data;
    const nlohmann::json root = nlohmann::json::parse(dist::broadcast(mine.dump()));
    std::string out;
    for (auto it = mine.begin(); it != mine.end(); ++it) {
        const nlohmann::json theirs = root.contains(it.key()) ? root.at(it.key()) : nlohmann::json();
        if (theirs == it.value()) continue;
        std::string what = it.key();
        for (const Field& f : config_fields())
            if (f.name == it.key() && !f.flag.empty()) what = f.flag;
        out += (out.empty() ? "" : "; ") + what + " (rank 0: " + theirs.dump() + ", rank " +
               std::to_string(dist::rank()) + ": " + it.value().dump() + ")";
    }
    return out;
}

}  // namespace

void DataParallel::quiet_other_ranks() {
    if (dist::world_size() > 1 && !dist::is_main()) std::freopen("/dev/null", "w", stdout);
}

std::unique_ptr<Sampler> DataParallel::shard(std::unique_ptr<Sampler> global, int64_t parts) {
    if (dist::world_size() == 1) return global;
    return std::make_unique<ShardedSampler>(std::move(global), parts, dist::rank(), dist::world_size());
}

uint64_t DataParallel::fingerprint(const void* p, size_t n, uint64_t h) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

void DataParallel::start(const RunConfig& c, const Dataset& train, nn::Module& saved, std::vector<Tensor> params) {
    if (dist::world_size() == 1) return;
    std::ostringstream data;   // the labels and pixels
    data << train.size() << " images, fingerprint " << std::hex
         << fingerprint(train.pixels.data(), train.pixels.size(),
                        fingerprint(train.labels.data(), train.labels.size() * sizeof(int64_t)));
    start(c, data.str(), saved, std::move(params));
}

void DataParallel::start(const RunConfig& c, const std::string& data, nn::Module& saved, std::vector<Tensor> params) {
    if (dist::world_size() == 1) return;
    // Every rank learns every rank's differences (one broadcast each), so whichever rank stops the
    // run first prints the whole list.
    const std::string mine = differences(c, data);
    std::string all;
    for (int r = 1; r < dist::world_size(); ++r) {
        const std::string theirs = dist::broadcast(mine, r);
        if (!theirs.empty()) all += (all.empty() ? "" : "; ") + theirs;
    }
    CT_CHECK_AS(ValueError, all.empty(), "the ranks of this run differ: " << all
                                             << "; every rank must get the same flags and the same data");
    nn::broadcast_state(saved);
    int64_t batchnorms = 0;   // a text encoder has none: then, unless --sync-bn asks, the line leaves it out
    for (auto& [name, m] : saved.named_modules()) batchnorms += m->type_name().rfind("BatchNorm", 0) == 0;
    const int64_t synced = c.sync_bn ? nn::convert_sync_batchnorm(saved) : 0;
    averager_ = std::make_unique<nn::GradientAverager>(std::move(params));
    const std::string batchnorm =
        c.sync_bn         ? "; BatchNorm over the global batch (--sync-bn, " + std::to_string(synced) + " layers)"
        : batchnorms == 0 ? ""
                          : "; BatchNorm per rank";
    std::printf("  parallel   %d ranks (MPI), each %ld of every global batch; gradients averaged (%.2f MB a step)%s\n\n",
                dist::world_size(), long(c.batch_size / dist::world_size()), averager_->bytes_per_step() / 1e6,
                batchnorm.c_str());
}

float DataParallel::mean(float value) const {
    if (dist::world_size() == 1) return value;
    double v = value;
    dist::allreduce_sum(&v, 1);
    return float(v / dist::world_size());
}

bool DataParallel::any(bool flag) const { return dist::allreduce_max(flag ? 1 : 0) > 0; }

void DataParallel::average_gradients() {
    if (averager_) averager_->average();
}

std::string DataParallel::epoch_note() {
    if (!averager_ || averager_->calls() == 0) return "";
    char note[96];
    std::snprintf(note, sizeof note, "  all-reduce %.1f ms/step (%.2f MB)", 1e3 * averager_->seconds() / double(averager_->calls()),
                  averager_->bytes_per_step() / 1e6);
    averager_->reset_stats();
    return note;
}

}  // namespace ct::app
