// The method registry: what `--method` names. A method is one file (method_<name>.cpp) owning its
// defaults, sampler, views, model, loss and any state beyond the network, plus one line in
// method_registry.cpp. Everything else in the CLI asks the method instead of comparing names.
#pragma once
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "apps/contrast/config.h"
#include "apps/contrast/setup.h"
#include "data/loader.h"
#include "data/samplers.h"

namespace ct::app {

// One run's training objective: the loss of a batch, plus what the method trains or keeps beyond
// the network. extras() is a module whose parameters join the optimizer (as "method.<name>",
// e.g. ProxyAnchor's proxies) and whose whole state_dict (buffers too: a momentum encoder, a queue
// of negatives) is saved in every checkpoint and restored on resume and eval.
class Objective {
public:
    virtual ~Objective() = default;
    virtual Tensor loss(const Model& m, const Batch& b) = 0;
    virtual nn::ModulePtr extras() const { return nullptr; }
    // The learning rate of the extras' parameters is --lr times this (ProxyAnchor's proxies: 100).
    virtual float extras_lr_mult() const { return 1.f; }
    virtual void after_step() {}                  // e.g. an EMA update (runs under no-grad)
    virtual std::string epoch_note() { return ""; }   // appended to the epoch line; resets its counts
};

class TextMethod;   // text_method.h

class Method {
public:
    virtual ~Method() = default;
    virtual std::string name() const = 0;
    // Sets the method's defaults on c (which holds RunConfig's own); small_images: 1x28x28 data.
    virtual void defaults(RunConfig& c, bool small_images) const = 0;
    // Settings derived from others after the flags are applied (triplet: batch = P x K).
    virtual void finish(RunConfig& c) const {}
    // The "loss" line of the start-of-run summary.
    virtual std::string describe_loss(const RunConfig& c) const = 0;
    virtual std::string batch_unit() const { return "images"; }
    virtual int64_t images_per_item() const { return 1; }   // a Siamese "item" is a pair
    virtual bool euclidean() const { return false; }        // evaluation distance (else cosine)
    // Default: shuffled batches of --batch-size, the last partial one dropped (every epoch has the
    // same number of steps, which resume relies on).
    virtual std::unique_ptr<Sampler> sampler(const RunConfig& c, const Dataset& train) const;
    // Default: one view, mildly augmented unless --no-augment.
    virtual std::vector<Transform> views(const RunConfig& c, const RunData& d) const;
    virtual Model model(const RunConfig& c, const Dataset& train, Generator& gen) const = 0;
    virtual std::unique_ptr<Objective> objective(const RunConfig& c, const Model& m, const Dataset& train) const = 0;
    // Text methods (sentence encoders) train and evaluate in their own loop: non-null for them.
    virtual const TextMethod* text() const { return nullptr; }
    // Appended to the collapse warning.
    virtual std::string collapse_hint(const RunConfig& c) const { return "; try a lower --lr"; }
    // The spread (centred, relative to the rows' length) below which the embeddings count as one
    // point: apps/lib/collapse.h says why the default is tiny and a margin loss's is not.
    virtual double collapse_min_spread() const { return 1e-4; }
};

const std::vector<const Method*>& registered_methods();
const std::vector<std::string>& methods();        // their names, in registry order
const Method& find_method(const std::string& name);   // ValueError naming --method and the choices

}  // namespace ct::app
