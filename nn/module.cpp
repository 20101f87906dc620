// Module: registration, hierarchical names, state_dict loading, modes and the summary table.
#include "nn/module.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "core/autograd.h"

namespace ct::nn {
namespace {

// summary() records each module call while a table is being built; forward passes outside a
// summary see a null recorder and pay one branch.
struct SummaryRow {
    int depth;
    std::string label;
    Shape output;
    int64_t params;     // -1: a container whose children have their own rows
};
struct SummaryRecorder {
    std::vector<SummaryRow> rows;
    int depth = 0;
};
thread_local SummaryRecorder* t_recorder = nullptr;

int64_t own_parameter_count(const Module& m) {
    int64_t n = 0;
    for (const Tensor& p : m.parameters()) n += p.numel();
    return n;
}

void check_name(const char* what, const std::string& name) {
    CT_CHECK(!name.empty() && name.find('.') == std::string::npos,
             "Module::" << what << ": name '" << name << "' must be non-empty and contain no '.'");
}

}  // namespace

std::string with_thousands(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

Tensor Module::operator()(const Tensor& x) {
    if (!t_recorder) return forward(x);
    SummaryRecorder& r = *t_recorder;
    const size_t row = r.rows.size();
    r.rows.push_back({r.depth, type_name(), {}, children_.empty() ? own_parameter_count(*this) : -1});
    ++r.depth;
    Tensor y = forward(x);
    --r.depth;
    r.rows[row].output = y.shape();
    return y;
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
    check_name("register_parameter", name);
    CT_CHECK(t.defined() && t.is_leaf(), "Module::register_parameter: '" << name << "' must be a defined leaf tensor");
    t.requires_grad_(true);
    params_.emplace_back(name, t);
    return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
    check_name("register_buffer", name);
    CT_CHECK(t.defined(), "Module::register_buffer: '" << name << "' must be a defined tensor");
    buffers_.emplace_back(name, t);
    return t;
}

void Module::add_child(const std::string& name, ModulePtr m) {
    check_name("register_module", name);
    CT_CHECK(m != nullptr, "Module::register_module: '" << name << "' is null");
    children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const {
    if (params)
        for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
    if (buffers)
        for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
    for (const auto& [n, child] : children_) child->collect(prefix + n + ".", params, buffers, out);
}

NamedTensors Module::named_parameters() const {
    NamedTensors out;
    collect("", true, false, out);
    return out;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (auto& [n, t] : named_parameters()) out.push_back(t);
    return out;
}

NamedTensors Module::named_buffers() const {
    NamedTensors out;
    collect("", false, true, out);
    return out;
}

NamedTensors Module::state_dict() const {
    NamedTensors out;
    collect("", true, true, out);
    return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
    std::vector<std::pair<std::string, Module*>> out{{"", this}};
    for (auto& [n, child] : children_)
        for (auto& [sub, m] : child->named_modules()) out.emplace_back(sub.empty() ? n : n + "." + sub, m);
    return out;
}

void Module::load_state_dict(const NamedTensors& state, const std::string& source) {
    NamedTensors mine = state_dict();
    std::set<std::string> expected, given;
    for (const auto& [n, t] : mine) expected.insert(n);
    std::vector<std::string> unexpected, missing, shapes;
    for (const auto& [n, t] : state) {
        given.insert(n);
        if (!expected.count(n)) unexpected.push_back(n);
    }
    for (const auto& [n, t] : mine) {
        if (!given.count(n)) { missing.push_back(n); continue; }
        // [&n = n]: C++17 (and clang 14) cannot capture a structured binding itself, only a copy or reference of it.
        const auto it = std::find_if(state.begin(), state.end(), [&n = n](const auto& e) { return e.first == n; });
        if (it->second.shape() != t.shape())
            shapes.push_back(n + " is " + to_string(it->second.shape()) + " but the model has " + to_string(t.shape()));
    }
    if (!missing.empty() || !unexpected.empty() || !shapes.empty()) {
        std::ostringstream msg;
        msg << "load_state_dict: " << source << " does not match the model:";
        auto list = [&](const char* what, const std::vector<std::string>& xs) {
            if (xs.empty()) return;
            msg << " " << what << " (" << xs.size() << "):";
            for (size_t i = 0; i < xs.size(); ++i) msg << (i ? ", " : " ") << xs[i];
            msg << ";";
        };
        list("missing", missing);
        list("unexpected", unexpected);
        list("wrong shape", shapes);
        throw ShapeError(msg.str());
    }
    // Everything validated: copy (in place, so handles held by layers and optimizers stay valid).
    for (const auto& [n, t] : state)
        for (auto& [m, dst] : mine)
            if (m == n) { dst.copy_(t); break; }
}

void Module::train(bool on) {
    training_ = on;
    for (auto& [n, child] : children_) child->train(on);
}

void Module::zero_grad() {
    for (Tensor& p : parameters()) p.zero_grad();
}

int64_t Module::num_parameters() const { return own_parameter_count(*this); }

std::string Module::summary(const Shape& input) {
    CT_CHECK(t_recorder == nullptr, "Module::summary: already building a summary on this thread");
    SummaryRecorder recorder;
    const bool was_training = training_;
    eval();
    t_recorder = &recorder;
    try {
        NoGradGuard no_grad;
        (*this)(Tensor::zeros(input));
    } catch (...) {
        t_recorder = nullptr;
        train(was_training);
        throw;
    }
    t_recorder = nullptr;
    train(was_training);

    std::ostringstream out;
    char line[160];
    const std::string rule(76, '=');
    out << rule << "\n";
    std::snprintf(line, sizeof line, "%-42s %-22s %10s\n", "Layer (type)", "Output Shape", "Param #");
    out << line << rule << "\n";
    for (const SummaryRow& row : recorder.rows) {
        std::string label = row.depth == 0 ? row.label : std::string(size_t(row.depth - 1) * 2, ' ') + "+-" + row.label;
        const std::string count = row.params < 0 ? "--" : with_thousands(row.params);
        std::snprintf(line, sizeof line, "%-42s %-22s %10s\n", label.c_str(), to_string(row.output).c_str(), count.c_str());
        out << line;
    }
    int64_t trainable = 0;
    for (const Tensor& p : parameters()) trainable += p.requires_grad() ? p.numel() : 0;
    out << rule << "\n"
        << "Total params: " << with_thousands(num_parameters()) << "\n"
        << "Trainable params: " << with_thousands(trainable) << "\n"
        << "Input shape: " << to_string(input) << "\n"
        << rule << "\n";
    return out.str();
}

}  // namespace ct::nn
