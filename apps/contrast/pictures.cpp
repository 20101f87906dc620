// `contrast plot`, `contrast retrieve`, `contrast augment` and the curves written after training.
// Under mpirun, plot and retrieve share their embedding pass over the ranks (eval_ranks.h) and rank
// 0 alone draws.
#include "apps/contrast/pictures.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "apps/contrast/data_parallel.h"
#include "apps/contrast/eval_ranks.h"
#include "apps/contrast/evaluate.h"
#include "apps/contrast/method.h"
#include "apps/contrast/text_method.h"
#include "apps/lib/neighbors.h"
#include "apps/lib/pca.h"
#include "apps/lib/plot.h"
#include "core/distributed.h"
#include "data/resolve.h"

namespace ct::app {

MetricsColumns metrics_from_csv(const std::string& text, const std::string& path) {
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> names;
    std::stringstream header(line);
    for (std::string name; std::getline(header, name, ',');) names.push_back(name);
    CT_CHECK_AS(IoError, !names.empty() && names[0] == "epoch",
                path << ": not a metrics.csv of `contrast train`: its header starts '" << line.substr(0, 40) << "'");
    MetricsColumns columns;
    for (const std::string& name : names) columns[name];   // every column, possibly empty
    for (int64_t row = 2; std::getline(in, line); ++row) {
        std::stringstream cells(line);
        std::string cell;
        size_t i = 0;
        for (; std::getline(cells, cell, ','); ++i) {
            CT_CHECK_AS(IoError, i < names.size(), path << ": line " << row << " has more than the header's "
                                                        << names.size() << " columns");
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            CT_CHECK_AS(IoError, !cell.empty() && end == cell.c_str() + cell.size(),
                        path << ": line " << row << ", column '" << names[i] << "': '" << cell.substr(0, 40)
                             << "' is not a number");
            columns[names[i]].push_back(v);
        }
        CT_CHECK_AS(IoError, i == names.size(), path << ": line " << row << " has " << i << " of the header's "
                                                     << names.size() << " columns");
    }
    return columns;
}

void write_curves(const std::string& run_dir) {
    const std::string path = run_dir + "/metrics.csv";
    std::ifstream in(path);
    CT_CHECK_AS(IoError, in.good(), path << ": cannot open (has the run finished an epoch?)");
    std::ostringstream text;
    text << in.rdbuf();
    MetricsColumns cols = metrics_from_csv(text.str(), path);
    for (const char* name : {"loss", "online_p_at_1"})
        CT_CHECK_AS(IoError, cols.count(name) == 1, path << ": has no '" << name << "' column");
    if (cols["epoch"].empty()) return;
    const RunConfig c = load_config(run_dir);
    const std::string title = c.method + " on " + c.data + " (" + c.model + ")";
    LinePlotOptions loss_options;
    loss_options.title = "training loss: " + title;
    loss_options.x_label = "epoch";
    loss_options.y_label = "mean loss";
    LinePlotOptions acc_options;
    acc_options.title = "online Precision@1 (test slice vs training slice): " + title;
    acc_options.x_label = "epoch";
    acc_options.y_label = "Precision@1";
    line_plot({{"loss", cols["epoch"], cols["loss"]}}, loss_options).save_png(run_dir + "/loss.png");
    line_plot({{"Precision@1", cols["epoch"], cols["online_p_at_1"]}}, acc_options).save_png(run_dir + "/accuracy.png");
}

int plot(const std::string& run_dir, const std::string& checkpoint) {
    DataParallel::quiet_other_ranks();
    if (dist::is_main()) write_curves(run_dir);
    LoadedRun r = load_run(run_dir, checkpoint);
    const Tensor e = embed_on_ranks(r.model, r.data.test, eval_transform(r.data));
    if (!dist::is_main()) return 0;
    ScatterOptions o;
    o.class_names = r.data.test.classes;
    o.x_label = "dimension 1";
    o.y_label = "dimension 2";
    Tensor xy = e;
    std::string how = "the embedding itself (D = 2)";
    if (e.size(1) != 2) {
        const Pca p = fit_pca(e, 2);
        xy = p.transform(e);
        std::ostringstream s;
        s.precision(0);
        s << std::fixed << "PCA of the " << e.size(1) << "-d embedding ("
          << 100 * (p.explained_variance[0] + p.explained_variance[1]) / p.total_variance << "% of the variance)";
        how = s.str();
        o.x_label = "principal axis 1";
        o.y_label = "principal axis 2";
    }
    o.title = r.config.method + " on " + r.config.data + " test set (" + std::to_string(e.size(0)) + " points)\n" + how;
    std::ifstream eval_file(run_dir + "/eval.json");   // written by `contrast eval`, if it ran
    if (eval_file.good()) {
        const nlohmann::json j = nlohmann::json::parse(eval_file, nullptr, false);
        // a decoration of the title: an eval.json without these numbers (edited, older) is skipped
        if (j.is_object() && j.contains("precision_at_1") && j["precision_at_1"].is_number() &&
            j.contains("map_at_r") && j["map_at_r"].is_number()) {
            char line[96];
            std::snprintf(line, sizeof line, ", P@1 %.4f, MAP@R %.4f", j["precision_at_1"].get<double>(),
                          j["map_at_r"].get<double>());
            o.title += line;
        }
    }
    const std::string path = run_dir + "/embedding.png";
    scatter_plot(xy, r.data.test.labels, o).save_png(path);
    std::printf("wrote %s/loss.png, %s/accuracy.png and %s (%s)\n", run_dir.c_str(), run_dir.c_str(), path.c_str(),
                how.c_str());
    return 0;
}

int retrieve(const std::string& run_dir, int64_t queries, int64_t neighbors, const std::string& checkpoint) {
    if (find_method(load_config(run_dir).method).text()) {
        refuse_under_ranks("retrieve of a text run");
        return retrieve_text(run_dir, queries, neighbors, checkpoint);
    }
    DataParallel::quiet_other_ranks();
    LoadedRun r = load_run(run_dir, checkpoint);
    const Transform t = eval_transform(r.data);
    const Dataset qset = r.data.test.evenly_spaced(queries);   // several classes show up
    queries = qset.size();
    SearchOptions s;
    s.distance = uses_euclidean(r.config) ? SearchMetric::Euclidean : SearchMetric::Cosine;
    const Tensor query_emb = embed_on_ranks(r.model, qset, t), ref_emb = embed_on_ranks(r.model, r.data.train, t);
    if (!dist::is_main()) return 0;
    const Neighbors nb = knn_search(query_emb, ref_emb, neighbors, s);
    std::vector<std::vector<GridCell>> rows;
    ImageGridOptions o;
    o.title = "nearest training images of test queries (" + r.config.method + ", " + to_string(s.distance) +
              "): green = same class, red = different";
    o.scale = r.data.test.height <= 32 ? 3 : 1;
    int64_t right = 0;
    for (int64_t q = 0; q < queries; ++q) {
        std::vector<GridCell> row;
        GridCell query;
        query.image = qset.image(q);
        query.caption = "query " + r.data.test.classes[size_t(qset.labels[size_t(q)])];
        row.push_back(query);
        for (int64_t k = 0; k < nb.k; ++k) {
            const int64_t ref = nb.index[size_t(q * nb.k + k)];
            const int64_t label = r.data.train.labels[size_t(ref)];
            GridCell cell;
            cell.image = r.data.train.image(ref);
            cell.has_border = true;
            const bool same = label == qset.labels[size_t(q)];
            right += same;
            cell.border = same ? colors::green : colors::red;
            cell.caption = r.data.train.classes[size_t(label)];
            row.push_back(cell);
        }
        rows.push_back(row);
    }
    const std::string path = run_dir + "/retrieval.png";
    image_grid(rows, o).save_png(path);
    std::printf("wrote %s: %ld queries x %ld neighbours, %ld of %ld neighbours share the query's class\n",
                path.c_str(), long(queries), long(nb.k), long(right), long(queries * nb.k));
    return 0;
}

int augment_grid(const RunConfig& c, int64_t images, int64_t views, const std::string& out_png) {
    const Dataset d = load_dataset(c.data, Split::Train, c.data_dir);
    RunData rd;
    rd.train = d;
    rd.mean.assign(size_t(d.channels), 0.f);   // pictures show the augmentation before normalisation
    rd.std.assign(size_t(d.channels), 1.f);
    const std::vector<Transform> pipeline = find_method(c.method).views(c, rd);
    std::vector<std::vector<GridCell>> rows;
    ImageGridOptions o;
    o.title = c.method + " augmentation on " + c.data + ": original, then " + std::to_string(views) + " views";
    o.scale = d.height <= 32 ? 3 : 1;
    for (int64_t i = 0; i < images; ++i) {
        const int64_t index = i * std::max<int64_t>(1, d.size() / images);
        std::vector<GridCell> row;
        GridCell original;
        original.image = d.image(index);
        original.has_border = true;
        original.border = colors::gray;
        original.caption = d.classes[size_t(d.labels[size_t(index)])];
        row.push_back(original);
        for (int64_t v = 0; v < views; ++v) {
            Generator gen = Generator::for_sample(c.seed, uint64_t(v), uint64_t(index));
            GridCell cell;
            cell.image = pipeline[size_t(v) % pipeline.size()](d.image(index), gen);
            row.push_back(cell);
        }
        rows.push_back(row);
    }
    image_grid(rows, o).save_png(out_png);
    std::printf("wrote %s: %ld images x %ld augmented views\n", out_png.c_str(), long(images), long(views));
    return 0;
}

}  // namespace ct::app
