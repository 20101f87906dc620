// The multi-rank half of tests/test_distributed.cpp: that test launches this program under
// `mpirun -np 2` (it needs real ranks, which a doctest process cannot be). Modes:
//   losses  every global-batch loss (losses/global_batch.h) on this rank's shard against the plain
//           loss on the whole batch, computed here too, without MPI: mean over ranks of the loss, and
//           the gradient of this rank's rows / K, must equal the 1-process values
//           (the whole-batch ones, Barlow Twins, VICReg, Proxy-Anchor, the same way, and the proxies' gradient)
//           and sync_batch_norm (nn/distributed.h): outputs, input and weight gradients and running
//           stats of each rank's rows equal batch_norm on the whole batch
//   sgd     one SGD step of a small MLP with gradients averaged over ranks (nn/distributed.h) gives
//           the weights of one step on the whole batch
//   kill    training steps until rank 1 kills itself (SIGKILL) in the middle of one
//   error   the same, rank 1 throwing instead: every rank must stop (MPI_Abort), none hang
//   bench   not a test: median time of GradientAverager::average for the zoo's parameter counts
//           (docs/DISTRIBUTED.md quotes it)
// Prints one "ok <check>" line per passed check on rank 0 and exits 1 at the first failure.
#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "core/distributed.h"
#include "core/ops.h"
#include "core/random.h"
#include "losses/global_batch.h"
#include "losses/nt_xent.h"
#include "nn/distributed.h"
#include "nn/linear.h"
#include "nn/optim.h"
#include "nn/sequential.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"

using namespace ct;

namespace {

int g_failures = 0;

// The largest |a - b| relative to max(1, |b|) over the entries.
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return 1e30;
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])) / std::max(1.0, std::fabs(double(b[i]))));
    return worst;
}

void expect(bool ok, const std::string& what, const std::string& detail) {
    // Every rank's verdict counts: a mismatch on rank 1 fails the run as well.
    const bool all_ok = dist::allreduce_sum(int64_t(ok ? 0 : 1)) == 0;
    if (!ok) std::printf("FAIL (rank %d) %s: %s\n", dist::rank(), what.c_str(), detail.c_str());
    if (all_ok && dist::is_main()) std::printf("ok %s\n", what.c_str());
    if (!all_ok) ++g_failures;
    std::fflush(stdout);
}

// Rows [r n, (r+1) n) of x, as a fresh leaf that needs a gradient.
Tensor my_rows(const Tensor& x, int64_t n) {
    return narrow(x, 0, dist::rank() * n, n).clone().requires_grad_();
}

std::vector<int64_t> my_labels(const std::vector<int64_t>& all, int64_t n) {
    return std::vector<int64_t>(all.begin() + dist::rank() * n, all.begin() + (dist::rank() + 1) * n);
}

// One loss, checked: `global` on this rank's rows of every input, `plain` on the whole inputs.
using Fn = std::function<Tensor(const std::vector<Tensor>&, const std::vector<int64_t>&)>;
void check_loss(const std::string& name, const std::vector<Tensor>& whole, const std::vector<int64_t>& labels,
                const Fn& plain, const Fn& global) {
    const int K = dist::world_size();
    const int64_t N = whole[0].size(0), n = N / K;
    std::vector<Tensor> ref_in, mine;
    for (const Tensor& t : whole) ref_in.push_back(t.clone().requires_grad_());
    for (const Tensor& t : whole) mine.push_back(my_rows(t, n));
    Tensor ref = plain(ref_in, labels);
    ref.backward();
    Tensor local = global(mine, my_labels(labels, n));
    double total = local.item();
    dist::allreduce_sum(&total, 1);
    local.backward();
    const double loss_diff = std::fabs(total / K - double(ref.item())) / std::max(1.0, std::fabs(double(ref.item())));
    expect(loss_diff < 1e-5, name + ": mean over ranks of the loss = the 1-process loss",
           "mean " + std::to_string(total / K) + " vs " + std::to_string(ref.item()));
    double grad_diff = 0;
    for (size_t i = 0; i < whole.size(); ++i) {
        std::vector<float> g = mine[i].grad().to_vector();
        for (float& v : g) v /= float(K);   // the average over ranks divides by K
        grad_diff = std::max(grad_diff, rel_diff(g, narrow(ref_in[i].grad(), 0, dist::rank() * n, n).to_vector()));
    }
    expect(grad_diff < 1e-5, name + ": the gradient of each rank's rows / K = the 1-process gradient",
           "largest relative difference " + std::to_string(grad_diff));
}

void losses() {
    Generator g(7);
    const int64_t N = 12, D = 5;   // 12 rows: 6 per rank with 2 ranks, 4 with 3
    const Tensor a = Tensor::randn({N, D}, g), b = Tensor::randn({N, D}, g);
    // 4 classes of 3: with 2 ranks, class 1's samples (rows 3-5) span both shards
    const std::vector<int64_t> labels{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
    const std::vector<int64_t> shuffled{2, 0, 1, 3, 0, 2, 1, 3, 3, 1, 0, 2};
    check_loss("nt_xent", {a, b}, labels,
               [](auto& x, auto&) { return nt_xent_loss(x[0], x[1], 0.5f); },
               [](auto& x, auto&) { return global_nt_xent_loss(x[0], x[1], 0.5f); });
    check_loss("info_nce", {a, b}, labels,
               [](auto& x, auto&) { return info_nce(x[0], x[1], Tensor(), 0.3f); },
               [](auto& x, auto&) { return global_info_nce(x[0], x[1], 0.3f); });
    SupConOptions so;
    so.temperature = 0.5f;
    so.base_temperature = 0.7f;
    check_loss("supcon", {a, b}, shuffled,
               [&](auto& x, auto& l) { return supcon_loss(std::vector<Tensor>{x[0], x[1]}, l, so); },
               [&](auto& x, auto& l) { return global_supcon_loss(std::vector<Tensor>{x[0], x[1]}, l, so); });
    TripletOptions to;
    to.margin = 0.5f;
    to.distance = Distance::euclidean(true);
    const TripletMinerFn semihard = [&](const Tensor& e, const std::vector<int64_t>& l) {
        return triplet_margin_miner(e, l, 0.5f, TripletType::SemiHard, to.distance);
    };
    const TripletMinerFn all = [&](const Tensor& e, const std::vector<int64_t>& l) {
        return triplet_margin_miner(e, l, 0.5f, TripletType::All, to.distance);
    };
    const TripletMinerFn hardest = [&](const Tensor& e, const std::vector<int64_t>& l) {
        return batch_hard_miner(e, l, to.distance, 0.5f);
    };
    for (const auto& entry : {std::pair{"triplet semihard", semihard}, std::pair{"triplet all", all},
                              std::pair{"triplet batch-hard", hardest}}) {
        const TripletMinerFn& miner = entry.second;   // a plain reference: lambdas may capture it (C++17)
        check_loss(entry.first, {a}, shuffled,
                   [&](auto& x, auto& l) { return triplet_margin_loss(x[0], miner(x[0].detach(), l).triplets, to); },
                   [&](auto& x, auto& l) { return global_triplet_loss(x[0], l, miner, to); });
    }
    check_loss("triplet batch-all", {a}, shuffled,
               [&](auto& x, auto& l) { return batch_all_triplet_loss(x[0], l, to); },
               [&](auto& x, auto& l) { return global_batch_all_triplet_loss(x[0], l, to); });
    check_loss("contrastive (pml, all pairs)", {a}, shuffled,
               [](auto& x, auto& l) { return contrastive_loss_pml(x[0], l); },
               [](auto& x, auto& l) { return global_contrastive_loss_pml(x[0], l); });
    const Tensor y = Tensor::from_vector({1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1});
    ContrastiveOptions co;
    co.margin = 2.f;
    check_loss("contrastive (Hadsell pairs)", {a, b}, labels,
               [&](auto& x, auto&) { return contrastive_loss(x[0], x[1], y, co); },
               [&](auto& x, auto&) {
                   const int64_t n = x[0].size(0);
                   return global_contrastive_loss(x[0], x[1], narrow(y, 0, dist::rank() * n, n).clone(), co);
               });
    // The losses computed whole on the gathered batch on every rank
    check_loss("barlow twins", {a, b}, labels,
               [](auto& x, auto&) { return barlow_twins_loss(x[0], x[1], 0.05f); },
               [](auto& x, auto&) { return global_barlow_twins_loss(x[0], x[1], 0.05f); });
    check_loss("vicreg", {a, b}, labels,
               [](auto& x, auto&) { return vicreg_loss(x[0], x[1], {}); },
               [](auto& x, auto&) { return global_vicreg_loss(x[0], x[1], {}); });
    Generator g1(21), g2(21);   // the same proxies twice: one loss for the whole batch, one for the shards
    const ProxyLossOptions po = ProxyLossOptions::defaults(ProxyLossKind::ProxyAnchor);
    ProxyLoss whole_loss(ProxyLossKind::ProxyAnchor, 4, D, po, g1), shard_loss(ProxyLossKind::ProxyAnchor, 4, D, po, g2);
    check_loss("proxy-anchor", {a}, shuffled,
               [&](auto& x, auto& l) { return whole_loss.loss(x[0], l); },
               [&](auto& x, auto& l) { return global_proxy_loss(shard_loss, x[0], l); });
    // every rank computed the whole loss, so each holds the whole proxies' gradient (their average too)
    const double proxy_diff = rel_diff(shard_loss.proxies.grad().to_vector(), whole_loss.proxies.grad().to_vector());
    expect(proxy_diff < 1e-5, "proxy-anchor: each rank's proxy gradient = the 1-process one",
           "largest relative difference " + std::to_string(proxy_diff));
}

// L = sum(y * proj) over the whole batch is the sum of the ranks' L: no K scaling here.
void sync_bn() {
    Generator g(9);
    const int K = dist::world_size();
    const int64_t N = 12, n = N / K, C = 3;
    const Tensor x = Tensor::randn({N, C, 2, 2}, g) * 2.f + 1.f, proj = Tensor::randn({N, C, 2, 2}, g);
    const Tensor w0 = Tensor::from_vector({1.5f, -0.5f, 0.8f}), b0 = Tensor::from_vector({0.1f, 0.2f, -0.3f});
    Tensor xr = x.clone().requires_grad_(), wr = w0.clone().requires_grad_(), br = b0.clone().requires_grad_();
    Tensor rm_ref = Tensor::zeros({C}), rv_ref = Tensor::ones({C});
    const Tensor ref = batch_norm(xr, wr, br, rm_ref, rv_ref, true, 0.1f, 1e-5f);
    sum(ref * proj).backward();
    Tensor xl = my_rows(x, n), wl = w0.clone().requires_grad_(), bl = b0.clone().requires_grad_();
    Tensor rm = Tensor::zeros({C}), rv = Tensor::ones({C});
    const Tensor y = nn::sync_batch_norm(xl, wl, bl, rm, rv, 0.1f, 1e-5f);
    sum(y * narrow(proj, 0, dist::rank() * n, n).clone()).backward();
    const auto rows = [&](const Tensor& t) { return narrow(t, 0, dist::rank() * n, n).to_vector(); };
    expect(rel_diff(y.to_vector(), rows(ref)) < 1e-5, "sync_batch_norm: each rank's output rows = batch_norm's",
           std::to_string(rel_diff(y.to_vector(), rows(ref))));
    expect(rel_diff(xl.grad().to_vector(), rows(xr.grad())) < 1e-4,
           "sync_batch_norm: each rank's input gradient = batch_norm's", std::to_string(rel_diff(xl.grad().to_vector(), rows(xr.grad()))));
    std::vector<float> dw = wl.grad().to_vector();
    dist::allreduce_sum(dw.data(), int64_t(dw.size()));   // the ranks' parts of dL/dw add up
    expect(rel_diff(dw, wr.grad().to_vector()) < 1e-4, "sync_batch_norm: the ranks' weight gradients sum to batch_norm's",
           std::to_string(rel_diff(dw, wr.grad().to_vector())));
    expect(rel_diff(rm.to_vector(), rm_ref.to_vector()) < 1e-5 && rel_diff(rv.to_vector(), rv_ref.to_vector()) < 1e-5,
           "sync_batch_norm: running mean and variance = batch_norm's", "");
}

// Linear, [BatchNorm1d], ReLU, Linear, [BatchNorm1d], ReLU, Linear: two BatchNorms whose
// all_gathers must pair up across ranks in backward.
nn::ModulePtr mlp(uint64_t seed, bool bn = false) {
    Generator g(seed);
    auto net = std::make_shared<nn::Sequential>();
    net->push_back(std::make_shared<nn::Linear>(6, 8, g));
    if (bn) net->push_back(std::make_shared<nn::BatchNorm1d>(8));
    net->push_back(std::make_shared<nn::ReLU>());
    if (bn) {
        net->push_back(std::make_shared<nn::Linear>(8, 8, g));
        net->push_back(std::make_shared<nn::BatchNorm1d>(8));
        net->push_back(std::make_shared<nn::ReLU>());
    }
    net->push_back(std::make_shared<nn::Linear>(8, 4, g));
    return net;
}

// One NT-Xent SGD step (momentum and weight decay on, so more than the gradient is compared).
std::vector<float> sgd_step(const nn::ModulePtr& net, const Tensor& v1, const Tensor& v2, bool global) {
    nn::SGDOptions o;
    o.lr = 0.5f;
    o.momentum = 0.9f;
    o.weight_decay = 1e-2f;
    nn::SGD opt(net->named_parameters(), o);
    nn::GradientAverager averager(net->parameters(), 64);   // 64-byte buckets: several buckets
    for (int step = 0; step < 2; ++step) {
        opt.zero_grad();
        Tensor loss = global ? global_nt_xent_loss((*net)(v1), (*net)(v2), 0.5f) : nt_xent_loss((*net)(v1), (*net)(v2), 0.5f);
        loss.backward();
        if (global) averager.average();
        opt.step();
    }
    std::vector<float> w;   // the weights and the BatchNorm running stats
    for (const auto& entry : net->state_dict())
        for (float v : entry.second.to_vector()) w.push_back(v);
    return w;
}

void sgd() {
    Generator g(3);
    const int64_t N = 12, n = N / dist::world_size();   // 12 rows: 2, 3, 4 or 6 ranks
    const Tensor v1 = Tensor::randn({N, 6}, g), v2 = Tensor::randn({N, 6}, g);
    const nn::ModulePtr net = mlp(dist::rank() == 0 ? 11 : 12);   // different weights on rank 1 ...
    nn::broadcast_state(*net);   // ... replaced by rank 0's, as training starts
    const std::vector<float> reference = sgd_step(mlp(11), v1, v2, false);
    const std::vector<float> sharded =
        sgd_step(net, narrow(v1, 0, dist::rank() * n, n).clone(), narrow(v2, 0, dist::rank() * n, n).clone(), true);
    const double diff = rel_diff(sharded, reference);
    expect(diff < 1e-5, "sgd: two steps on K shards with averaged gradients = two steps on the whole batch",
           "largest relative weight difference " + std::to_string(diff));

    // With BatchNorm: sync BatchNorm on the shards = BatchNorm on the whole batch (per-rank would not be)
    const nn::ModulePtr with_bn = mlp(dist::rank() == 0 ? 11 : 12, true);
    nn::broadcast_state(*with_bn);
    const int64_t synced = nn::convert_sync_batchnorm(*with_bn);
    const std::vector<float> bn_reference = sgd_step(mlp(11, true), v1, v2, false);
    const std::vector<float> bn_sharded =
        sgd_step(with_bn, narrow(v1, 0, dist::rank() * n, n).clone(), narrow(v2, 0, dist::rank() * n, n).clone(), true);
    const double bn_diff = rel_diff(bn_sharded, bn_reference);
    expect(synced == 2 && bn_diff < 1e-4,
           "sgd with 2 sync BatchNorms: weights and running stats after two steps = the whole batch's",
           std::to_string(synced) + " layers converted, largest relative difference " + std::to_string(bn_diff));
}

// Steps of gradient averaging; on rank 1, `failure` strikes in the middle of step 3.
void steps_until(const std::function<void()>& failure) {
    const nn::ModulePtr net = mlp(11);
    Generator g(5);
    const Tensor x = Tensor::randn({8, 6}, g);
    nn::GradientAverager averager(net->parameters());
    for (int step = 0; step < 1000; ++step) {
        net->zero_grad();
        sum(square((*net)(x))).backward();
        if (step == 3 && dist::rank() == 1) failure();
        averager.average();   // rank 0 waits here for the rank that is gone
    }
    std::printf("rank %d: 1000 steps without the failure happening\n", dist::rank());
}

// The all-reduce alone, for gradients of the model zoo's sizes (counted by nn/models.h, nn/resnet.h).
void bench() {
    const std::vector<std::pair<const char*, int64_t>> models{
        {"E2 w=32 + head (W3)", 312224}, {"E1 D=64 (W1)", 871616}, {"ResNet-18 w=32", 2795040}, {"ResNet-18 w=64", 11168832}};
    for (const auto& [name, count] : models) {
        Tensor p = Tensor::zeros({count}).requires_grad_();
        p.set_grad(Tensor::ones({count}));
        nn::GradientAverager averager({p});
        std::vector<double> ms;
        for (int rep = 0; rep < 23; ++rep) {
            dist::barrier();   // time the all-reduce, not a rank arriving late
            const double before = averager.seconds();
            averager.average();
            if (rep >= 3) ms.push_back(1e3 * (averager.seconds() - before));
        }
        std::sort(ms.begin(), ms.end());
        if (dist::is_main())
            std::printf("%-22s %6.2f MB  median %7.2f ms  (min %.2f, max %.2f, 20 runs, %d ranks)\n", name, 4e-6 * double(count),
                        ms[ms.size() / 2], ms.front(), ms.back(), dist::world_size());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    try {
        if (mode == "losses") {
            losses();
            sync_bn();
        }
        else if (mode == "sgd") sgd();
        else if (mode == "bench") bench();
        else if (mode == "kill") steps_until([] { std::raise(SIGKILL); });
        else if (mode == "error") steps_until([] { CT_THROW(ValueError, "a deliberate failure on rank 1 at step 3"); });
        else {
            std::fprintf(stderr, "usage: %s losses|sgd|kill|error|bench (under mpirun)\n", argv[0]);
            return 2;
        }
    } catch (const std::exception& e) {
        dist::abort_all(e.what());
    }
    if (dist::is_main()) std::printf("ranks %d, failures %d\n", dist::world_size(), g_failures);
    return g_failures == 0 ? 0 : 1;
}
