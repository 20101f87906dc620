// The registry of methods: adding one is a file method_<name>.cpp and the two lines marked below.
// Also the defaults every method inherits (shuffled batches, one mildly augmented view).
#include "apps/contrast/method.h"

#include "core/check.h"

namespace ct::app {

// 1. the method's factory, defined in its file
const Method& siamese_method();
const Method& triplet_method();
const Method& simclr_method();
const Method& supcon_method();
const Method& classifier_method();
const Method& proxy_method();
const Method& moco_method();
const Method& byol_method();
const Method& simsiam_method();
const Method& barlow_method();
const Method& vicreg_method();
const Method& simcse_method();
const Method& sts_regression_method();

const std::vector<const Method*>& registered_methods() {
    // 2. its line here (the order is that of --help)
    static const std::vector<const Method*> all{
        &siamese_method(), &triplet_method(), &simclr_method(), &supcon_method(), &classifier_method(),
        &proxy_method(),
        &moco_method(), &byol_method(), &simsiam_method(), &barlow_method(), &vicreg_method(),
        &simcse_method(),
        &sts_regression_method(),
    };
    return all;
}

const std::vector<std::string>& methods() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const Method* m : registered_methods()) v.push_back(m->name());
        return v;
    }();
    return names;
}

const Method& find_method(const std::string& name) {
    for (const Method* m : registered_methods())
        if (m->name() == name) return *m;
    std::string all;
    for (const std::string& n : methods()) all += (all.empty() ? "" : "|") + n;
    CT_THROW(ValueError, "--method " << name << " is not one of: " << all);
}

std::unique_ptr<Sampler> Method::sampler(const RunConfig& c, const Dataset& train) const {
    return std::make_unique<BatchSampler>(train.size(), c.batch_size, true, true, c.seed);
}

std::vector<Transform> Method::views(const RunConfig& c, const RunData& d) const { return mild_views(c, d); }

}  // namespace ct::app
