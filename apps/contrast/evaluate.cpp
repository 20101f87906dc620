// Evaluation of a run on the test set, the training set as reference: retrieval metrics
// (Precision@1, R-precision, MAP@R), kNN accuracies, NMI of k-means clusters and, for runs with a
// head, a linear probe on the frozen representation. Also `contrast embed` (.npy output). Under
// mpirun the ranks share the embedding pass (eval_ranks.h) and rank 0 alone computes and writes.
#include "apps/contrast/evaluate.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/contrast/data_parallel.h"
#include "apps/contrast/eval_ranks.h"
#include "apps/contrast/method.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/linear_probe.h"
#include "apps/lib/metrics.h"
#include "apps/lib/npy.h"
#include "core/distributed.h"
#include "core/parallel.h"
#include "nn/checkpoint.h"

namespace ct::app {

namespace {
int64_t g_load_threads = 0;
}  // namespace

void set_load_threads(int64_t threads) { g_load_threads = threads; }
int64_t load_threads(const RunConfig& c) { return g_load_threads > 0 ? g_load_threads : c.threads; }

LoadedRun load_run(const std::string& run_dir, const std::string& checkpoint) {
    LoadedRun r;
    r.config = load_config(run_dir);
    CT_CHECK_AS(ValueError, !find_method(r.config.method).text(),
                run_dir << " is a text run (--method " << r.config.method << "): of the commands, only eval and retrieve read it so far");
    set_num_threads(load_threads(r.config));
    r.data = load_run_data(r.config);
    Generator gen(r.config.seed);
    const Method& method = find_method(r.config.method);
    r.model = method.model(r.config, r.data.train, gen);
    // the method's extras (proxies, a momentum encoder) are in the file too: load them along
    const nn::ModulePtr saved = checkpointed(r.model.net, method.objective(r.config, r.model, r.data.train)->extras());
    std::string path = run_dir + "/" + checkpoint + ".safetensors";
    if (checkpoint == "best" && !std::filesystem::exists(path)) path = run_dir + "/last.safetensors";
    nn::load_checkpoint(path, *saved);
    check_finite_weights(*saved, path);
    r.model.net->eval();
    return r;
}

OnlineCheck online_check(const RunConfig& c, const Model& m, const RunData& d) {
    const Dataset refs = d.train.evenly_spaced(5000), queries = d.test.evenly_spaced(1000);
    const Transform t = eval_transform(d);
    SearchOptions s;
    s.distance = uses_euclidean(c) ? SearchMetric::Euclidean : SearchMetric::Cosine;
    const Tensor query_emb = embed_dataset(m, queries, t);
    return {retrieval_metrics(query_emb, queries.labels, embed_dataset(m, refs, t), refs.labels, s).precision_at_1,
            check_collapse(query_emb, find_method(c.method).collapse_min_spread())};
}

int evaluate(const std::string& run_dir, const EvalOptions& options) {
    if (find_method(load_config(run_dir).method).text()) {
        refuse_under_ranks("eval of a text run");
        return evaluate_text(run_dir, options.checkpoint);
    }
    DataParallel::quiet_other_ranks();
    LoadedRun r = load_run(run_dir, options.checkpoint);
    const RunConfig& c = r.config;
    const Transform t = eval_transform(r.data);
    const std::string ranks = dist::world_size() > 1 ? ", embedded by " + std::to_string(dist::world_size()) + " ranks" : "";
    std::printf("evaluating %s (%s checkpoint): %ld test queries against %ld training references%s, %d thread%s\n",
                run_dir.c_str(), options.checkpoint.c_str(), long(r.data.test.size()), long(r.data.train.size()),
                ranks.c_str(), num_threads(), num_threads() == 1 ? "" : "s");
    const Tensor train_emb = embed_on_ranks(r.model, r.data.train, t);
    const Tensor test_emb = embed_on_ranks(r.model, r.data.test, t);
    if (!dist::is_main()) return 0;   // rank 0 alone computes the metrics and writes eval.json
    const std::string what = r.model.with_head ? "encoder representation (before the head)" : "embedding";
    SearchOptions s;
    s.distance = uses_euclidean(c) ? SearchMetric::Euclidean : SearchMetric::Cosine;
    Generator gen(c.seed);
    const EmbeddingMetrics m = evaluate_embeddings(test_emb, r.data.test.labels, train_emb, r.data.train.labels, gen, s);

    nlohmann::json out = {{"run", run_dir},
                          {"checkpoint", options.checkpoint},
                          {"features", what},
                          {"dimension", train_emb.size(1)},
                          {"distance", to_string(s.distance)},
                          {"queries", r.data.test.size()},
                          {"references", r.data.train.size()},
                          {"precision_at_1", m.retrieval.precision_at_1},
                          {"r_precision", m.retrieval.r_precision},
                          {"map_at_r", m.retrieval.map_at_r},
                          {"knn1_accuracy", m.knn1_accuracy},
                          {"weighted_knn200_accuracy", m.weighted_knn_accuracy},
                          {"nmi", m.nmi}};
    std::printf("\n  features                %s, %ld-d, %s\n", what.c_str(), long(train_emb.size(1)),
                to_string(s.distance));
    std::printf("  Precision@1             %.4f\n", m.retrieval.precision_at_1);
    std::printf("  R-precision             %.4f\n", m.retrieval.r_precision);
    std::printf("  MAP@R                   %.4f\n", m.retrieval.map_at_r);
    std::printf("  kNN accuracy (k=1)      %.4f\n", m.knn1_accuracy);
    std::printf("  kNN accuracy (k=200, weighted, T=0.1, cosine)  %.4f\n", m.weighted_knn_accuracy);
    std::printf("  NMI (k-means, k=%ld)      %.4f\n", long(r.data.train.num_classes()), m.nmi);
    if (options.linear_probe && r.model.with_head) {
        LinearProbeOptions po;
        po.epochs = options.probe_epochs;
        po.seed = c.seed;
        const LinearProbeResult p = linear_probe(train_emb, r.data.train.labels, test_emb, r.data.test.labels,
                                                 r.data.train.num_classes(), po);
        const std::string recipe = "logistic regression on the frozen, L2-normalised representation (backbone "
                                   "frozen), Adam lr " + std::to_string(po.lr).substr(0, 4) + ", " +
                                   std::to_string(po.epochs) + " epochs, batch " + std::to_string(po.batch_size);
        std::printf("  linear probe accuracy   %.4f   (%s)\n", p.test_accuracy, recipe.c_str());
        out["linear_probe_accuracy"] = p.test_accuracy;
        out["linear_probe_train_accuracy"] = p.train_accuracy;
        out["linear_probe_recipe"] = recipe;
    }
    const std::string json_path = run_dir + "/eval.json";
    std::ofstream(json_path) << out.dump(2) << "\n";
    std::printf("\nwrote %s\n", json_path.c_str());
    return 0;
}

int embed(const std::string& run_dir, const std::string& checkpoint) {
    DataParallel::quiet_other_ranks();
    LoadedRun r = load_run(run_dir, checkpoint);
    const Tensor e = embed_on_ranks(r.model, r.data.test, eval_transform(r.data));
    if (!dist::is_main()) return 0;
    const std::string emb = run_dir + "/test_embeddings.npy", lab = run_dir + "/test_labels.npy";
    save_npy(emb, e);
    save_npy(lab, r.data.test.labels);
    std::printf("wrote %s (%ld x %ld float32) and %s (%ld int64)\n"
                "in Python: numpy.load('%s')\n",
                emb.c_str(), long(e.size(0)), long(e.size(1)), lab.c_str(), long(r.data.test.size()), emb.c_str());
    return 0;
}

}  // namespace ct::app
