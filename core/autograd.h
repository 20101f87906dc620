// Reverse-mode autograd, define-by-run as in PyTorch: an op computes its output at once and, when
// grad mode is on and an input requires a gradient, records a Node holding its inputs and a
// backward lambda. Tensor::backward() sorts the graph, runs the nodes in reverse, accumulates into
// the leaves' .grad and frees the graph. Ops use record(); see core/ops_*.cpp.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ct {

// The gradient buffers of a node's inputs, handed to its backward lambda.
class Grads {
public:
    explicit Grads(std::vector<Tensor>& inputs) : inputs_(inputs) {}
    // Buffer to accumulate (+=) the gradient of input i into, zero-initialised on first use;
    // nullptr when input i needs no gradient, so backward skips that work.
    float* get(size_t i);
    // For a backward that writes every element of input i's gradient: the buffer, and add = false
    // when it was just made (its contents undefined), so that the op assigns (=, a GEMM's beta 0)
    // instead of adding and get()'s zero-fill pass is saved. Call it right before writing: an
    // input listed twice then sees the written buffer the second time. {nullptr, false} when input
    // i needs no gradient.
    struct Whole {
        float* data;
        bool add;
    };
    Whole get_whole(size_t i);
private:
    std::vector<Tensor>& inputs_;
};

// dy: the gradient of the node's output (same shape as the output, contiguous).
using BackwardFn = std::function<void(const float* dy, Grads& grads)>;

struct Node {
    std::string name;
    std::vector<Tensor> inputs;
    BackwardFn backward;
    Shape out_shape;
};

// Attach a node to `out` when grad mode is on and some input requires a gradient, and return out.
// The lambda must not capture `out` itself (the output owns the node: a cycle would leak);
// capture out.detach() when backward needs the output's values.
Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward);

bool grad_enabled();
void set_grad_enabled(bool on);

// Evaluation and optimizer steps: no graph is recorded while a guard lives (per thread).
class NoGradGuard {
public:
    NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
    ~NoGradGuard() { set_grad_enabled(previous_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;
private:
    bool previous_;
};

// The graph that produced t in Graphviz DOT: one box per op (name, output shape), one ellipse per
// leaf, labelled with its name when `names` lists it. `dot -Tpng` draws it.
std::string to_dot(const Tensor& t, const std::vector<std::pair<std::string, Tensor>>& names = {});

}  // namespace ct
