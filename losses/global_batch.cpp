// Global-batch losses (see global_batch.h): the anchors' rows of each loss against the gathered
// keys, composed from core ops like their 1-process twins (nt_xent.cpp, supcon.cpp, triplet.cpp,
// contrastive.cpp), which they equal at world size 1 by calling them.
#include "losses/global_batch.h"

#include <limits>

#include "core/distributed.h"
#include "losses/nt_xent.h"
#include "losses/reducer.h"

namespace ct {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Every rank's rows of x (with gradient), and where this rank's rows sit among them.
struct Gathered {
    Tensor keys;          // (N, ...) the global batch
    int64_t offset = 0;   // this rank's first row in keys
};

Gathered gather(const Tensor& x) {
    Gathered g;
    std::vector<int64_t> rows;
    g.keys = all_gather(x, &rows);
    for (int r = 0; r < dist::rank(); ++r) g.offset += rows[size_t(r)];
    return g;
}

// (A, M) mask with a 1 at (i, offset + i): anchor i's own column among the keys
Tensor self_mask(int64_t anchors, int64_t keys, int64_t offset) {
    Tensor m = Tensor::zeros({anchors, keys});
    for (int64_t i = 0; i < anchors; ++i) m.data()[i * keys + offset + i] = 1.f;
    return m;
}

// The index lists of `t` whose anchor lies in [offset, offset + n), anchors made local.
TripletIndices own_triplets(const TripletIndices& t, int64_t offset, int64_t n) {
    TripletIndices out;
    for (size_t k = 0; k < t.anchors.size(); ++k)
        if (t.anchors[k] >= offset && t.anchors[k] < offset + n) {
            out.anchors.push_back(t.anchors[k] - offset);
            out.positives.push_back(t.positives[k]);
            out.negatives.push_back(t.negatives[k]);
        }
    return out;
}

void own_pairs(const std::vector<int64_t>& a, const std::vector<int64_t>& b, int64_t offset, int64_t n,
               std::vector<int64_t>& rows, std::vector<int64_t>& cols) {
    for (size_t k = 0; k < a.size(); ++k)
        if (a[k] >= offset && a[k] < offset + n) {
            rows.push_back(a[k] - offset);
            cols.push_back(b[k]);
        }
}

// The triplet hinge of triplet.cpp on own anchors (rows of m) against global keys (columns).
Tensor triplet_terms(const Tensor& m, const TripletIndices& t, const TripletOptions& o) {
    const Tensor violation = o.distance.margin(matrix_entries(m, t.anchors, t.positives),
                                               matrix_entries(m, t.anchors, t.negatives));   // d(a,p) - d(a,n)
    return o.soft_margin ? softplus(violation) : relu(violation + o.margin);
}

}  // namespace

Tensor global_reduce(const Tensor& terms, Reduction reduction, const Tensor& connected) {
    CT_CHECK(reduction != Reduction::None, "global_reduce: reduction none has no global value");
    const bool any = terms.defined() && terms.numel() > 0;
    int64_t mine = 0;
    if (any && reduction == Reduction::Mean) mine = terms.numel();
    if (any && reduction == Reduction::MeanNonZero)
        for (int64_t i = 0; i < terms.numel(); ++i) mine += terms.data()[i] > 0.f;   // a constant, as reduce_losses
    const int64_t count = reduction == Reduction::Sum ? 1 : dist::allreduce_sum(mine);
    if (!any || count == 0) return zero_loss(connected);
    return sum(terms) * (float(dist::world_size()) / float(count));
}

Tensor global_nt_xent_loss(const Tensor& z1, const Tensor& z2, float temperature) {
    if (dist::world_size() == 1) return nt_xent_loss(z1, z2, temperature);
    CT_CHECK(z1.defined() && z2.defined() && z1.dim() == 2 && z1.shape() == z2.shape(),
             "global_nt_xent_loss: z1 and z2 must both be (n,D)");
    CT_CHECK_AS(ValueError, temperature > 0.f, "global_nt_xent_loss: temperature must be > 0, got " << temperature);
    const int64_t n = z1.size(0);
    const Tensor mine = normalize(cat({z1, z2}, 0), 1);   // (2n,D): this rank's anchors
    const Gathered g = gather(mine);                        // (2N,D): per rank, its view 1 then view 2
    Tensor logits = matmul(mine, g.keys, false, true) * (1.f / temperature);   // (2n,2N)
    logits = masked_fill(logits, self_mask(2 * n, g.keys.size(0), g.offset), kMinusInf);
    std::vector<int64_t> partner(size_t(2 * n));   // the other view of the same image, in the same block
    for (int64_t i = 0; i < 2 * n; ++i) partner[size_t(i)] = g.offset + (i + n) % (2 * n);
    return global_reduce(cross_entropy(logits, partner, Reduction::None), Reduction::Mean, g.keys);
}

Tensor global_info_nce(const Tensor& query, const Tensor& positive_key, float temperature) {
    if (dist::world_size() == 1) return info_nce(query, positive_key, Tensor(), temperature);
    CT_CHECK(query.defined() && positive_key.defined() && query.dim() == 2 && query.shape() == positive_key.shape(),
             "global_info_nce: query and positive_key must both be (n,D)");
    CT_CHECK_AS(ValueError, temperature > 0.f, "global_info_nce: temperature must be > 0, got " << temperature);
    const int64_t n = query.size(0);
    const Gathered g = gather(normalize(positive_key, 1));   // (N,D) every rank's keys
    const Tensor logits = matmul(normalize(query, 1), g.keys, false, true) * (1.f / temperature);   // (n,N)
    std::vector<int64_t> target(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) target[size_t(i)] = g.offset + i;
    return global_reduce(cross_entropy(logits, target, Reduction::None), Reduction::Mean, g.keys);
}

Tensor global_supcon_loss(const std::vector<Tensor>& views, const std::vector<int64_t>& labels, const SupConOptions& o) {
    if (dist::world_size() == 1) return supcon_loss(views, labels, o);
    CT_CHECK(!views.empty(), "global_supcon_loss: needs at least one view");
    std::vector<int64_t> mine_labels;   // per view, like the rows of cat(views)
    for (const Tensor& v : views) {
        CT_CHECK(v.defined() && v.dim() == 2 && v.size(0) == int64_t(labels.size()),
                 "global_supcon_loss: every view must be (n,D) with n = " << labels.size() << " labels");
        mine_labels.insert(mine_labels.end(), labels.begin(), labels.end());
    }
    CT_CHECK_AS(ValueError, o.temperature > 0.f && o.base_temperature > 0.f,
                "global_supcon_loss: temperature and base_temperature must be > 0");
    const Tensor mine = normalize(cat(views, 0), 1);   // (A,D) anchors
    const Gathered g = gather(mine);                   // (M,D) keys
    const std::vector<int64_t> key_labels = dist::all_gather_ints(mine_labels);
    const int64_t A = mine.size(0), M = g.keys.size(0);
    Tensor positive = Tensor::zeros({A, M});   // same label, not self (a constant)
    std::vector<int64_t> anchors;
    std::vector<float> inv_count;
    for (int64_t i = 0; i < A; ++i) {
        int64_t count = 0;
        for (int64_t j = 0; j < M; ++j)
            if (j != g.offset + i && key_labels[size_t(j)] == mine_labels[size_t(i)]) {
                positive.data()[i * M + j] = 1.f;
                ++count;
            }
        if (count > 0) {
            anchors.push_back(i);
            inv_count.push_back(1.f / float(count));
        }
    }
    Tensor terms;   // mean log-probability of each anchor's positives
    if (!anchors.empty()) {
        Tensor logits = matmul(mine, g.keys, false, true) * (1.f / o.temperature);
        logits = masked_fill(logits, self_mask(A, M, g.offset), kMinusInf);
        const Tensor pos_sum = sum(where(positive, log_softmax(logits, 1), Tensor::scalar(0.f)), 1);   // (A)
        terms = index_select(pos_sum, 0, anchors) * Tensor::from_vector(inv_count);
    }
    return global_reduce(terms, Reduction::Mean, g.keys) * (-o.temperature / o.base_temperature);
}

Tensor global_contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, const ContrastiveOptions& o) {
    if (dist::world_size() == 1) return contrastive_loss(x1, x2, y, o);
    ContrastiveOptions per_pair = o;
    per_pair.reducer = Reduction::None;
    const Tensor terms = contrastive_loss(x1, x2, y, per_pair);   // checks the arguments
    return global_reduce(terms, o.reducer, x1);
}

Tensor global_contrastive_loss_pml(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                   const PmlContrastiveOptions& o) {
    if (dist::world_size() == 1) return contrastive_loss_pml(embeddings, labels, o);
    check_embeddings_labels("global_contrastive_loss_pml", embeddings, labels);
    CT_CHECK(o.reducer != Reduction::None, "global_contrastive_loss_pml: reducer none is not supported");
    const Gathered g = gather(embeddings);
    const PairIndices all = all_pairs(dist::all_gather_ints(labels));
    std::vector<int64_t> pos_rows, pos_cols, neg_rows, neg_cols;
    own_pairs(all.a1, all.p, g.offset, embeddings.size(0), pos_rows, pos_cols);
    own_pairs(all.a2, all.n, g.offset, embeddings.size(0), neg_rows, neg_cols);
    const Tensor m = o.distance.matrix(embeddings, g.keys);   // (n,N)
    Tensor pos, neg;   // relu(d - pos_margin), relu(neg_margin - d)  [mirrored for a similarity]
    if (!pos_rows.empty()) pos = relu(o.distance.margin(matrix_entries(m, pos_rows, pos_cols), o.pos_margin));
    if (!neg_rows.empty()) neg = relu(o.distance.margin(o.neg_margin, matrix_entries(m, neg_rows, neg_cols)));
    // Each part is reduced over the whole batch, as contrastive_loss_pml reduces each separately;
    // two statements, so every rank makes the two collectives in the same order.
    const Tensor pos_loss = global_reduce(pos, o.reducer, g.keys);
    return pos_loss + global_reduce(neg, o.reducer, g.keys);
}

Tensor global_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels, const TripletMinerFn& miner,
                           const TripletOptions& o, TripletMining* mining) {
    if (dist::world_size() == 1) {
        TripletMining mined = miner(embeddings.detach(), labels);
        if (mining) *mining = mined;
        return triplet_margin_loss(embeddings, mined.triplets, o);
    }
    check_embeddings_labels("global_triplet_loss", embeddings, labels);
    CT_CHECK(!o.swap, "global_triplet_loss: the swap option needs d(p,n) between other ranks' rows; not supported");
    const Gathered g = gather(embeddings);
    const TripletMining mined = miner(g.keys.detach(), dist::all_gather_ints(labels));   // same on every rank
    if (mining) *mining = mined;
    const TripletIndices own = own_triplets(mined.triplets, g.offset, embeddings.size(0));
    const Tensor terms = own.size() > 0 ? triplet_terms(o.distance.matrix(embeddings, g.keys), own, o) : Tensor();
    return global_reduce(terms, o.reducer, g.keys);
}

Tensor global_batch_all_triplet_loss(const Tensor& embeddings, const std::vector<int64_t>& labels,
                                     const TripletOptions& options) {
    if (dist::world_size() == 1) return batch_all_triplet_loss(embeddings, labels, options);
    TripletOptions o = options;
    o.reducer = Reduction::MeanNonZero;
    const TripletMinerFn every = [](const Tensor&, const std::vector<int64_t>& all_labels) {
        TripletMining m;
        m.triplets = all_triplets(all_labels);
        return m;
    };
    return global_triplet_loss(embeddings, labels, every, o);
}

// The whole loss on the gathered batch (global_batch.h). At world size 1 all_gather would only copy.
Tensor global_barlow_twins_loss(const Tensor& z1, const Tensor& z2, float lambda) {
    if (dist::world_size() == 1) return barlow_twins_loss(z1, z2, lambda);
    return barlow_twins_loss(all_gather(z1), all_gather(z2), lambda);
}

Tensor global_vicreg_loss(const Tensor& z1, const Tensor& z2, const VICRegOptions& options) {
    if (dist::world_size() == 1) return vicreg_loss(z1, z2, options);
    return vicreg_loss(all_gather(z1), all_gather(z2), options);
}

Tensor global_proxy_loss(const ProxyLoss& loss, const Tensor& embeddings, const std::vector<int64_t>& labels) {
    if (dist::world_size() == 1) return loss.loss(embeddings, labels);
    check_embeddings_labels("global_proxy_loss", embeddings, labels);
    return loss.loss(all_gather(embeddings), dist::all_gather_ints(labels));
}

}  // namespace ct
