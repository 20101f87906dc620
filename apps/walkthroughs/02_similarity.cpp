// Walkthrough 2: three ways to learn a similarity (regression, classification, ranking) on the
// same toy data, two interleaved moons, with a small MLP mapping each 2-D point to a 16-d embedding.
// Run: ./build/walkthroughs/02_similarity [OUT_DIR]   (default runs/walkthroughs/02_similarity).
// The losses are in losses/similarity_heads.h and losses/triplet.h; the MLP in nn/models.h.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numeric>

#include "apps/lib/pca.h"
#include "apps/lib/plot.h"
#include "core/parallel.h"
#include "core/ops.h"
#include "losses/similarity_heads.h"
#include "losses/triplet.h"
#include "nn/models.h"
#include "nn/optim.h"
#include "apps/walkthroughs/walkthrough.h"

using namespace ct;
using namespace ct::walkthrough;

// 16 and not 2: with a cosine, two moons that must each spread over 90 degrees and stay orthogonal
// to each other need more than one plane (in 2-D the regression targets cannot all be met).
constexpr int64_t kEmbed = 16;

// Two moons (as sklearn.datasets.make_moons): point i lies on moon m at position t in [0,1] along
// it. t is the hidden "graded" truth that the regression scores are made from.
struct Moons {
    Tensor x;                      // (N,2)
    std::vector<int64_t> moon;     // (N) 0 or 1
    std::vector<float> t;          // (N) position along the moon
};

static Moons make_moons(int64_t n, float noise, Generator& gen) {
    Moons d;
    std::vector<float> xy;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t m = i % 2;
        const float t = gen.uniform(), a = float(M_PI) * t;
        const float px = m == 0 ? std::cos(a) : 1.f - std::cos(a);
        const float py = m == 0 ? std::sin(a) : 0.5f - std::sin(a);
        xy.push_back(px + gen.normal(0.f, noise));
        xy.push_back(py + gen.normal(0.f, noise));
        d.moon.push_back(m);
        d.t.push_back(t);
    }
    d.x = Tensor::from_vector(xy, {n, 2});
    return d;
}

// The graded score a regression model is given: how close two points are along the same moon,
// 0 across moons. Like an STS score, it is a real number, not a class.
static float graded_score(const Moons& d, int64_t i, int64_t j) {
    return d.moon[i] == d.moon[j] ? 1.f - std::fabs(d.t[i] - d.t[j]) : 0.f;
}

// Random pairs (i, j), half of them from the same moon.
static void sample_pairs(const Moons& d, int64_t count, Generator& gen, std::vector<int64_t>& a,
                         std::vector<int64_t>& b) {
    a.clear();
    b.clear();
    const int64_t n = d.x.size(0);
    for (int64_t k = 0; k < count; ++k) {
        const int64_t i = gen.randint(n);
        int64_t j = gen.randint(n);
        while (j == i || (d.moon[i] == d.moon[j]) != (k % 2 == 0)) j = gen.randint(n);
        a.push_back(i);
        b.push_back(j);
    }
}

// One trained model: its embedding net, and how it scores a pair of embeddings (higher = more similar).
struct Learner {
    std::string name;
    std::shared_ptr<nn::Sequential> net;   // null: the raw input (identity)
    std::function<Tensor(const Tensor&, const Tensor&)> similarity;   // (N,2),(N,2) -> (N)
    Tensor embed(const Tensor& x) const { return net ? (*net)(x) : x; }
};

// ---- evaluation numbers, each from its own definition
static std::vector<double> ranks(const std::vector<float>& v) {   // average ranks of ties
    std::vector<int64_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t p, int64_t q) { return v[p] < v[q]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        for (size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * double(i + j);
        i = j + 1;
    }
    return r;
}

static double spearman(const std::vector<float>& a, const std::vector<float>& b) {
    const std::vector<double> ra = ranks(a), rb = ranks(b);
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / ra.size();
    const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / rb.size();
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

// ROC AUC = P(a random similar pair scores above a random dissimilar one), ties count half.
static double roc_auc(const std::vector<float>& score, const std::vector<int64_t>& same) {
    const std::vector<double> r = ranks(score);
    double rank_sum = 0, pos = 0;
    for (size_t i = 0; i < r.size(); ++i)
        if (same[i]) rank_sum += r[i] + 1, pos += 1;
    const double neg = double(r.size()) - pos;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

struct Scores { double spearman = 0, auc = 0, triplet_accuracy = 0; };

static Scores evaluate(const Learner& l, const Moons& test, Generator& gen) {
    NoGradGuard no_grad;
    std::vector<int64_t> a, b;
    sample_pairs(test, 4000, gen, a, b);
    const Tensor e = l.embed(test.x);
    const std::vector<float> s = l.similarity(index_select(e, 0, a), index_select(e, 0, b)).to_vector();
    std::vector<float> graded, s_same;   // over same-moon pairs: the graded part of the score
    std::vector<int64_t> same;
    for (size_t k = 0; k < a.size(); ++k) {
        same.push_back(test.moon[a[k]] == test.moon[b[k]]);
        if (same.back()) graded.push_back(graded_score(test, a[k], b[k])), s_same.push_back(s[k]);
    }
    Scores out;
    out.spearman = spearman(s_same, graded);
    out.auc = roc_auc(s, same);
    // Triplets (anchor, positive from its moon, negative from the other): is the positive closer?
    std::vector<int64_t> anc, pos, neg;
    for (int64_t k = 0; k < 2000; ++k) {
        const int64_t i = gen.randint(test.x.size(0));
        int64_t p = gen.randint(test.x.size(0)), n = gen.randint(test.x.size(0));
        while (p == i || test.moon[p] != test.moon[i]) p = gen.randint(test.x.size(0));
        while (test.moon[n] == test.moon[i]) n = gen.randint(test.x.size(0));
        anc.push_back(i), pos.push_back(p), neg.push_back(n);
    }
    const Tensor ea = index_select(e, 0, anc);
    const std::vector<float> sp = l.similarity(ea, index_select(e, 0, pos)).to_vector();
    const std::vector<float> sn = l.similarity(ea, index_select(e, 0, neg)).to_vector();
    int64_t right = 0;
    for (size_t k = 0; k < sp.size(); ++k) right += sp[k] > sn[k];
    out.triplet_accuracy = double(right) / double(sp.size());
    return out;
}

// ---- pictures
// The similarity of every point of the input plane to one anchor point, as colour (viridis: dark =
// dissimilar, yellow = similar), with the training points on top and the anchor ringed in red.
static Image similarity_panel(const Learner& l, const Moons& train, int64_t anchor, const std::string& title,
                              const std::string& subtitle) {
    NoGradGuard no_grad;
    const int W = 340, H = 220, top = 34;
    const float x0 = -1.5f, x1 = 2.5f, y0 = -1.0f, y1 = 1.5f;   // the input plane shown
    std::vector<float> grid;
    for (int py = 0; py < H; ++py)
        for (int px = 0; px < W; ++px)
            grid.push_back(x0 + (x1 - x0) * (px + 0.5f) / W), grid.push_back(y1 - (y1 - y0) * (py + 0.5f) / H);
    const Tensor e = l.embed(Tensor::from_vector(grid, {int64_t(W) * H, 2}));
    const Tensor ea = l.embed(index_select(train.x, 0, {anchor}));
    const std::vector<float> s = l.similarity(e, expand(ea, e.shape())).to_vector();
    const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    char range[96];
    std::snprintf(range, sizeof range, "colour: %.2f (dark) to %.2f (yellow)", *lo, *hi);
    Image img(W, H + top);
    img.draw_text(4, 2, title, colors::black, 2);
    img.draw_text(4, 20, subtitle, colors::gray);
    img.draw_text(W - Image::text_width(range) - 4, 6, range, colors::gray);
    for (int py = 0; py < H; ++py)
        for (int px = 0; px < W; ++px)
            img.blend(px, top + py, viridis((s[py * W + px] - *lo) / std::max(1e-12f, *hi - *lo)));
    auto to_px = [&](float x, float y) {
        return std::pair<float, float>{(x - x0) / (x1 - x0) * W, top + (y1 - y) / (y1 - y0) * H};
    };
    for (int64_t i = 0; i < train.x.size(0); ++i) {
        const auto [px, py] = to_px(train.x.at({i, 0}), train.x.at({i, 1}));
        img.fill_circle(px, py, 2.2f, train.moon[i] == train.moon[anchor] ? colors::white : colors::black, 0.8f);
    }
    const auto [ax, ay] = to_px(train.x.at({anchor, 0}), train.x.at({anchor, 1}));
    img.draw_circle(ax, ay, 7.f, colors::red, 2.5f);
    return img;
}

int main(int argc, char** argv) try {
    ct::setup_runtime(argv);   // see core/parallel.h
    CLI::App app{"Walkthrough 2: regression, classification and ranking similarity on two moons"};
    std::string out_dir = "runs/walkthroughs/02_similarity";
    int64_t steps = 1500;
    app.add_option("out_dir", out_dir, "where the pictures go (created)");
    app.add_option("--steps", steps, "training steps per model")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    std::filesystem::create_directories(out_dir);
    const auto start = std::chrono::steady_clock::now();

    say("What you will learn:\n"
        "  1. similarity learning = learning a function s(x1, x2); an embedding net f and a fixed\n"
        "     comparison of f(x1), f(x2) is the usual way to build it;\n"
        "  2. the supervision decides what s means: a real score (regression), same/not-same\n"
        "     (classification) or 'closer than' (ranking, triplets);\n"
        "  3. why a learned s beats the raw Euclidean distance when the classes interleave.\n");

    say("== 1. The data: two interleaved moons, 400 training and 400 test points. Each point has a\n"
        "      moon (0 or 1) and a position t in [0,1] along its moon. The tips of each moon reach\n"
        "      into the other, so in the raw plane many points are nearer to the OTHER moon than to\n"
        "      the far end of their own: the plain distance is the wrong similarity here.");
    Generator gen(7);
    const Moons train = make_moons(400, 0.08f, gen), test = make_moons(400, 0.08f, gen);

    say("\n== 2. Three learners, each an MLP 2 -> 64 -> 64 -> 16 (nn::make_mlp) with Adam (lr 0.01),\n"
        "      trained on 128 pairs (or triplets) a step, for the same number of steps:\n"
        "   regression     target y = 1 - |t1 - t2| on the same moon, 0 across moons (a graded score);\n"
        "                  s = cos(f(x1), f(x2)), loss = (s - y)^2      [similarity_regression_loss]\n"
        "   classification target y = 1 same moon, 0 not; logit z = scale * (bias - |f(x1) - f(x2)|),\n"
        "                  loss = -(y log sigmoid(z) + (1-y) log sigmoid(-z)), the stable log-sigmoid\n"
        "                  form of binary cross-entropy; scale and bias are learned too\n"
        "                  [similarity_classification_loss]\n"
        "   ranking        triplets (anchor, same moon, other moon), loss = max(0, d(a,p) - d(a,n) + 1),\n"
        "                  d Euclidean                                   [triplet_margin_loss]");
    Tensor scale = Tensor::scalar(1.f), bias = Tensor::scalar(1.f);
    std::vector<Learner> learners;
    learners.push_back({"raw input", nullptr, [](const Tensor& a, const Tensor& b) {
                            return -Distance::euclidean(false).paired(a, b);
                        }});
    learners.push_back({"regression", nn::make_mlp({2, 64, 64, kEmbed}, gen), [](const Tensor& a, const Tensor& b) {
                            return Distance::cosine().paired(a, b);
                        }});
    learners.push_back({"classification", nn::make_mlp({2, 64, 64, kEmbed}, gen), [&](const Tensor& a, const Tensor& b) {
                            return sigmoid(pair_similarity_logits(a, b, scale, bias));
                        }});
    learners.push_back({"ranking", nn::make_mlp({2, 64, 64, kEmbed}, gen), [](const Tensor& a, const Tensor& b) {
                            return -Distance::euclidean(false).paired(a, b);
                        }});
    scale.requires_grad_();
    bias.requires_grad_();

    for (size_t li = 1; li < learners.size(); ++li) {
        Learner& l = learners[li];
        nn::NamedTensors params = l.net->named_parameters();
        if (l.name == "classification") params.push_back({"scale", scale}), params.push_back({"bias", bias});
        nn::AdamOptions ao;
        ao.lr = 1e-2f;
        nn::Adam opt(params, ao);
        Generator batch_gen(100 + li);
        double first = 0, last = 0;
        for (int64_t step = 0; step < steps; ++step) {
            std::vector<int64_t> a, b;
            sample_pairs(train, 128, batch_gen, a, b);
            Tensor loss;
            if (l.name == "ranking") {   // even pairs (a, b) share a moon: anchor a, positive b; odd b negative
                std::vector<int64_t> anc, pos, neg;
                for (size_t k = 0; k + 1 < a.size(); k += 2) {
                    int64_t n = batch_gen.randint(train.x.size(0));
                    while (train.moon[n] == train.moon[a[k]]) n = batch_gen.randint(train.x.size(0));
                    anc.push_back(a[k]), pos.push_back(b[k]), neg.push_back(n);
                }
                const Tensor e = l.embed(train.x);
                loss = triplet_margin_loss(index_select(e, 0, anc), index_select(e, 0, pos), index_select(e, 0, neg));
            } else {
                std::vector<float> y;
                for (size_t k = 0; k < a.size(); ++k)
                    y.push_back(l.name == "regression" ? graded_score(train, a[k], b[k])
                                                       : float(train.moon[a[k]] == train.moon[b[k]]));
                const Tensor e1 = l.embed(index_select(train.x, 0, a)), e2 = l.embed(index_select(train.x, 0, b));
                loss = l.name == "regression"
                           ? similarity_regression_loss(e1, e2, Tensor::from_vector(y))
                           : similarity_classification_loss(e1, e2, Tensor::from_vector(y), scale, bias);
            }
            opt.zero_grad();
            loss.backward();
            opt.step();
            (step < 50 ? first : last) += loss.item();
        }
        std::printf("   %-14s mean loss over the first 50 steps %.4f -> over the last %ld steps %.4f\n",
                    l.name.c_str(), first / 50, long(steps - 50), last / double(steps - 50));
    }
    std::printf("   the classifier learned scale %.2f and bias %.2f: it calls a pair 'same' when the\n"
                "   embedding distance is below %.2f (where the logit crosses 0)\n",
                scale.item(), bias.item(), bias.item());

    say("\n== 3. Each learner scored on held-out test pairs, with three yardsticks:\n"
        "   Spearman  rank correlation of s with the graded score 1 - |t1 - t2| over same-moon pairs\n"
        "             (how far apart along the moon: what only regression is taught)\n"
        "   AUC       P(a same-moon pair scores above a cross-moon pair) (what classification is taught)\n"
        "   triplets  share of test triplets with s(anchor, positive) > s(anchor, negative) (ranking)\n");
    std::printf("   %-16s %9s %9s %9s\n", "similarity", "Spearman", "AUC", "triplets");
    for (const Learner& l : learners) {
        Generator eval_gen(2024);   // the same test pairs and triplets for every learner
        const Scores s = evaluate(l, test, eval_gen);
        std::printf("   %-16s %9.3f %9.3f %9.3f\n", l.name.c_str(), s.spearman, s.auc, s.triplet_accuracy);
    }
    say("\n   Read the table by columns. The raw distance is a fine graded similarity WITHIN a moon\n"
        "   (Spearman near 1: along a moon, nearer in the plane means nearer along the moon) but it\n"
        "   cannot tell the moons apart (AUC well below 1): the tips interleave. Every learned\n"
        "   similarity separates the moons almost perfectly. Only regression was told HOW similar two\n"
        "   same-moon points are, and only it keeps the graded order. Classification and ranking saw\n"
        "   the same labels yet differ: classification squeezes each moon towards one point (inside a\n"
        "   moon every pair has the same target, 1) and learns an absolute threshold too, the bias, so\n"
        "   its output is a probability; the triplet loss stops caring once d(a,n) > d(a,p) + margin,\n"
        "   so it keeps whatever order the network happened to have, and only relative order counts\n"
        "   (shifting all distances changes nothing), which is all retrieval needs.");

    say("\n== 4. Pictures. similarity_to_anchor.png: for one anchor point (red ring, at the tip of moon\n"
        "      0) the similarity of every point of the plane, per learner. Points of the anchor's moon\n"
        "      are white, the other moon's black. embeddings.png: where each MLP sends the test points\n"
        "      (a PCA to 2-D of the 16-d embeddings, apps/lib/pca.h).");
    int64_t anchor = 0;   // the training point of moon 0 nearest its t = 0 tip, which pokes into moon 1
    for (int64_t i = 0; i < train.x.size(0); ++i)
        if (train.moon[i] == 0 && train.t[i] < train.t[anchor]) anchor = i;
    const std::vector<std::string> subtitles = {
        "-|x1 - x2| in the input plane", "cos(f(x1), f(x2)): learned from graded scores",
        "P(same) = sigmoid(scale (bias - d)): from same/not", "-|f(x1) - f(x2)|: learned from triplets"};
    Image panels(4 * 350, 260);
    for (size_t li = 0; li < learners.size(); ++li)
        panels.paste(similarity_panel(learners[li], train, anchor, learners[li].name, subtitles[li]), int(li) * 350, 0);
    const std::string panels_path = out_dir + "/similarity_to_anchor.png";
    panels.save_png(panels_path);

    std::vector<Image> plots;
    for (size_t li = 1; li < learners.size(); ++li) {
        NoGradGuard no_grad;
        const Tensor e = learners[li].embed(test.x);
        const Pca pca = fit_pca(e, 2);
        ScatterOptions o;
        o.title = learners[li].name + ": f(x) of the test points\nits first 2 principal axes (of 16)";
        o.class_names = {"moon 0", "moon 1"};
        o.size = 400;
        o.point_radius = 2.5f;
        plots.push_back(scatter_plot(pca.transform(e), test.moon, o));
    }
    Image scatters(3 * plots[0].width(), plots[0].height());
    for (size_t i = 0; i < plots.size(); ++i) scatters.paste(plots[i], int(i) * plots[0].width(), 0);
    const std::string scatters_path = out_dir + "/embeddings.png";
    scatters.save_png(scatters_path);
    say("   Look for: the raw distance lights up a disc around the anchor that spills onto moon 1;\n"
        "   regression fades along moon 0 as t grows (at the far end, t = 1, the score is 0);\n"
        "   classification paints all of moon 0 bright and moon 1 dark, a yes/no boundary; ranking\n"
        "   is brightest on moon 0 but shades it unevenly. In the embeddings, regression lays each\n"
        "   moon out as a curve in order of t; classification crushes each moon to a thin bar (note\n"
        "   the tiny second axis); ranking keeps two separate clusters with leftover inner shape.");

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("\nTook %.1f s. Files written: %s, %s\n", seconds, panels_path.c_str(), scatters_path.c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
