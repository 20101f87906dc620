// The losses of a data-parallel run over the GLOBAL batch (every rank's rows), as SimCLR's
// cross-replica negatives and pytorch-metric-learning's DistributedLossWrapper. Each rank passes its
// own shard; its anchors meet the keys of every rank through core's all_gather, whose backward sums
// the keys' gradients over ranks. A rank's loss is K x (the sum of its anchors' terms) / (the global
// count of terms), so the MEAN over the K ranks is exactly the 1-process loss on the concatenated
// batch, and averaging the ranks' gradients (as DDP does) gives exactly its gradient.
// Mining runs on the gathered embeddings (identical on every rank, no graph); each rank keeps the
// pairs and triplets whose anchor it owns. At world size 1 every function is the plain loss.
// A loss that does not split into per-anchor terms (Barlow Twins' cross-correlation, VICReg's
// variance and covariance, Proxy-Anchor's log-sums per proxy) is instead computed WHOLE on every
// rank from the gathered batch: every rank's loss is the 1-process loss, all_gather's backward
// hands each rank K x its rows' gradient (the K identical copies summed), so the average over ranks
// is again exactly the 1-process gradient, and that of the proxies (computed whole on each rank) too.
#pragma once
#include <functional>
#include <vector>

#include "losses/barlow_twins.h"
#include "losses/contrastive.h"
#include "losses/miners.h"
#include "losses/proxies.h"
#include "losses/supcon.h"
#include "losses/triplet.h"
#include "losses/vicreg.h"

namespace ct {

// K x sum(terms) / (the count over ranks of terms, or of terms > 0 with MeanNonZero) -> ().
// Sum: K x sum(terms). `connected` joins the result to the graph when no rank has a term.
// A collective (one allreduce of the count).
Tensor global_reduce(const Tensor& terms, Reduction reduction, const Tensor& connected);

// z1, z2:(n,D), this rank's two views -> ()
Tensor global_nt_xent_loss(const Tensor& z1, const Tensor& z2, float temperature);
// query, positive_key:(n,D) -> (): in-batch negatives, every rank's keys
Tensor global_info_nce(const Tensor& query, const Tensor& positive_key, float temperature);
// views: V tensors (n,D), labels:n -> ()
Tensor global_supcon_loss(const std::vector<Tensor>& views, const std::vector<int64_t>& labels,
                          const SupConOptions& options);
// Hadsell's pairs (x1_i, x2_i, y_i) stay on their rank; only the mean is global.  (n,D),(n,D),(n) -> ()
Tensor global_contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, const ContrastiveOptions& options);
// pytorch-metric-learning's contrastive loss over every pair of the global batch.  (n,D), n -> ()
Tensor global_contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                   const PmlContrastiveOptions& options = {});

// A miner of triplets, run on the global batch: (embeddings (N,D) without graph, labels N) -> mining.
using TripletMinerFn = std::function<TripletMining(const Tensor&, const std::vector<int64_t>&)>;
// The triplet margin loss on the mined triplets whose anchor is this rank's (options.swap unsupported).
// mining, when given, receives the global mining (its counts are the whole batch's).
Tensor global_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const TripletMinerFn& miner,
                           const TripletOptions& options, TripletMining* mining = nullptr);
// Hermans' batch-all: every valid triplet, mean over the non-zero ones.
Tensor global_batch_all_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                     const TripletOptions& options);


// Whole on every rank (see above).  z1, z2:(n,D), this rank's two views -> ()
Tensor global_barlow_twins_loss(const Tensor& z1, const Tensor& z2, float lambda);
Tensor global_vicreg_loss(const Tensor& z1, const Tensor& z2, const VICRegOptions& options);
// embeddings:(n,D), labels:n -> (); every proxy loss (the ones that split per sample too).
Tensor global_proxy_loss(const ProxyLoss& loss, const Tensor& embeddings, const std::vector<int64_t>& labels);

}  // namespace ct
