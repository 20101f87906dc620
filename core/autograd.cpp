// Backward: an iterative depth-first search gives a topological order of the tensors that have a
// grad_fn; walking it in reverse, each node receives its output's finished gradient. Each node is
// released right after it runs, so buffers its lambda captured are freed as backward proceeds.
#include "core/autograd.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace ct {
namespace {
thread_local bool g_grad_enabled = true;

std::shared_ptr<detail::TensorImpl> zeros_impl(const Shape& shape) {
    return Tensor::zeros(shape).impl_ptr();
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }

float* Grads::get(size_t i) {
    if (i >= inputs_.size() || !inputs_[i].defined() || !inputs_[i].requires_grad()) return nullptr;
    detail::TensorImpl* in = inputs_[i].impl();
    if (!in->grad) in->grad = zeros_impl(in->shape);
    return in->grad->storage->data;
}

Grads::Whole Grads::get_whole(size_t i) {
    if (i >= inputs_.size() || !inputs_[i].defined() || !inputs_[i].requires_grad()) return {nullptr, false};
    detail::TensorImpl* in = inputs_[i].impl();
    if (in->grad) return {in->grad->storage->data, true};
    in->grad = Tensor::empty(in->shape).impl_ptr();
    return {in->grad->storage->data, false};
}

Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward) {
    if (!g_grad_enabled) return out;
    bool any = false;
    for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
    if (!any) return out;
    auto node = std::make_shared<Node>();
    node->name = name;
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
    node->out_shape = out.shape();
    out.impl()->requires_grad = true;
    out.impl()->grad_fn = std::move(node);
    return out;
}

namespace {

// Tensors with a grad_fn, every tensor after all the tensors it was computed from.
std::vector<std::shared_ptr<detail::TensorImpl>> topological_order(
        const std::shared_ptr<detail::TensorImpl>& root) {
    std::vector<std::shared_ptr<detail::TensorImpl>> order;
    std::unordered_set<detail::TensorImpl*> visited;
    // (tensor, index of the next input to visit)
    std::vector<std::pair<std::shared_ptr<detail::TensorImpl>, size_t>> stack;
    if (root->grad_fn) { stack.push_back({root, 0}); visited.insert(root.get()); }
    while (!stack.empty()) {
        auto& [impl, next] = stack.back();
        const auto& inputs = impl->grad_fn->inputs;
        if (next < inputs.size()) {
            const Tensor& in = inputs[next++];
            if (in.defined() && in.impl()->grad_fn && visited.insert(in.impl()).second)
                stack.push_back({in.impl_ptr(), 0});
        } else {
            order.push_back(impl);
            stack.pop_back();
        }
    }
    return order;
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_output) {
    CT_CHECK(root.requires_grad(),
             "backward: the tensor does not require a gradient (no input had requires_grad, "
             "it was computed under NoGradGuard, or an earlier backward() already freed its graph)");
    CT_CHECK(grad_output.shape() == root.shape(),
             "backward: grad_output " << grad_output.shape() << " must match the output "
                                      << root.shape());
    detail::TensorImpl* r = root.impl();
    if (!r->grad) r->grad = zeros_impl(r->shape);
    {
        float* g = r->grad->storage->data;
        const float* go = grad_output.data();
        for (int64_t i = 0; i < r->numel; ++i) g[i] += go[i];
    }
    if (!r->grad_fn) return;   // a leaf: its gradient is grad_output itself

    NoGradGuard no_graph_of_the_backward;
    auto order = topological_order(root.impl_ptr());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        std::shared_ptr<detail::TensorImpl> impl = std::move(*it);
        std::shared_ptr<Node> node = std::move(impl->grad_fn);   // releases the graph as we go
        // Without its node the tensor no longer leads to the leaves: a second backward() through
        // it must fail loudly (as in PyTorch) instead of silently treating it as a leaf.
        impl->requires_grad = false;
        std::shared_ptr<detail::TensorImpl> dy = std::move(impl->grad);  // a non-leaf keeps no .grad
        if (!dy) continue;   // nothing downstream depended on this tensor
        Grads grads(node->inputs);
        node->backward(dy->storage->data, grads);
    }
}

void Tensor::backward() const {
    CT_CHECK(defined() && numel() == 1,
             "backward: needs a one-element output or an explicit grad_output, got "
                 << (defined() ? shape() : Shape{}));
    run_backward(*this, Tensor::ones(shape()));
}

void Tensor::backward(const Tensor& grad_output) const { run_backward(*this, grad_output); }

std::string to_dot(const Tensor& t, const std::vector<std::pair<std::string, Tensor>>& names) {
    std::ostringstream os;
    os << "digraph autograd {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=11];\n";
    std::unordered_map<const detail::TensorImpl*, int> ids;
    std::vector<const detail::TensorImpl*> todo{t.impl()};  // ids hands out numbers on first sight
    auto id_of = [&](const detail::TensorImpl* p) {
        auto [it, fresh] = ids.emplace(p, int(ids.size()));
        if (fresh) todo.push_back(p);
        return it->second;
    };
    ids.emplace(t.impl(), 0);
    std::unordered_set<const detail::TensorImpl*> done;
    while (!todo.empty()) {
        const detail::TensorImpl* p = todo.back();
        todo.pop_back();
        if (!done.insert(p).second) continue;
        const int id = ids[p];
        if (p->grad_fn) {
            os << "  t" << id << " [shape=box, style=filled, fillcolor=\"#dbe9f6\", label=\""
               << p->grad_fn->name << "\\n" << to_string(p->shape) << "\"];\n";
            for (const Tensor& in : p->grad_fn->inputs) {
                if (!in.defined()) continue;
                os << "  t" << id_of(in.impl()) << " -> t" << id << ";\n";
            }
        } else {
            std::string label = p->requires_grad ? "leaf" : "constant";
            for (const auto& [name, tensor] : names)
                if (tensor.impl() == p) label = name;
            os << "  t" << id << " [shape=ellipse, style=filled, fillcolor=\""
               << (p->requires_grad ? "#fbe3c0" : "#eeeeee") << "\", label=\""
               << label << "\\n" << to_string(p->shape)
               << "\"];\n";
        }
    }
    os << "}\n";
    return os.str();
}

}  // namespace ct
