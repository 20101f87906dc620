// Walkthrough 1: reverse-mode autograd on a tiny graph, its picture, and a finite-difference check.
// Run: ./build/walkthroughs/01_autograd [OUT_DIR]   (default runs/walkthroughs/01_autograd; writes
// autograd.dot, and autograd.png when Graphviz's `dot` is installed). The engine is core/autograd.*.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/gradcheck.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/random.h"
#include "apps/walkthroughs/walkthrough.h"

using namespace ct;
using namespace ct::walkthrough;

int main(int argc, char** argv) {
    ct::setup_runtime(argv);
    const std::string out_dir = argc > 1 ? argv[1] : "runs/walkthroughs/01_autograd";
    std::filesystem::create_directories(out_dir);
    say("What you will learn:\n"
        "  1. how an op records a node when its input requires a gradient (define-by-run);\n"
        "  2. how backward() walks the graph in reverse and sums the gradients of a reused tensor;\n"
        "  3. how a finite-difference check confirms every derivative.\n");

    say("== 1. Build a graph. The little model: a 2-D point x, a weight matrix w and a bias b,\n"
        "      a ReLU layer, then a squared distance to a target t:\n"
        "      h = relu(w x + b),  loss = sum((h - t)^2) + 0.1 * sum(x * x)\n"
        "   x appears twice (in the layer and in the penalty): its gradient is the sum of both paths.");
    Tensor x = Tensor::from_vector({1.0f, -2.0f}, {1, 2}).requires_grad_();
    Tensor w = Tensor::from_vector({0.5f, -0.3f, 0.8f, 0.2f, -0.4f, 0.1f}, {3, 2}).requires_grad_();
    Tensor b = Tensor::from_vector({0.1f, 0.0f, 0.3f}, {3}).requires_grad_();
    Tensor t = Tensor::from_vector({1.0f, 0.0f, 0.5f}, {1, 3});   // a constant: no gradient wanted

    Tensor h = relu(linear(x, w, b));
    Tensor loss = sum(square(h - t)) + 0.1f * sum(x * x);
    std::printf("\n   h    = %s\n   loss = %s\n", h.repr().c_str(), loss.repr().c_str());
    say("   Every tensor computed from x, w or b carries grad_fn: the op that made it.\n"
        "   t has none: nothing upstream of it requires a gradient.");

    const std::string dot_path = out_dir + "/autograd.dot";
    const std::string dot = to_dot(loss, {{"x", x}, {"w", w}, {"b", b}, {"t", t}});
    std::ofstream(dot_path) << dot;
    std::printf("\n   The graph in Graphviz DOT (%s):\n%s", dot_path.c_str(), dot.c_str());

    say("\n== 2. loss.backward(): the nodes run in reverse topological order; each receives the\n"
        "      finished gradient of its output and adds into its inputs' gradients.");
    loss.backward();
    std::printf("   dloss/dx = %s\n   dloss/dw = %s\n   dloss/db = %s\n", x.grad().repr().c_str(),
                w.grad().repr().c_str(), b.grad().repr().c_str());
    say("   By hand for b: h = relu([0.5+0.6+0.1, 0.8-0.4+0, -0.4-0.2+0.3]) = [1.2, 0.4, 0] (the third\n"
        "   unit is cut by the ReLU), so dloss/db = 2(h - t) * 1[h > 0] = [0.4, 0.8, 0].\n"
        "   After backward the graph is freed (PyTorch does the same): intermediate buffers go back\n"
        "   to the memory pool; only the leaves' .grad remain.");

    say("\n== 3. Check every derivative against central finite differences:\n"
        "      (f(x + eps) - f(x - eps)) / 2 eps, with the output projected on a random tensor.");
    auto model = [&t](const std::vector<Tensor>& in) {
        Tensor hidden = relu(linear(in[0], in[1], in[2]));
        return sum(square(hidden - t)) + 0.1f * sum(in[0] * in[0]);
    };
    GradcheckResult check = gradcheck(model, {x.detach(), w.detach(), b.detach()});
    std::printf("   %s\n", check.message().c_str());

    std::string files = dot_path;
    if (std::system("command -v dot >/dev/null 2>&1") == 0) {
        const std::string png = out_dir + "/autograd.png";
        if (std::system(("dot -Tpng '" + dot_path + "' -o '" + png + "'").c_str()) == 0) files += ", " + png;
    } else {
        say("   (install graphviz to get autograd.png: apt-get install graphviz)");
    }
    std::printf("\nFiles written: %s\n", files.c_str());
    return check.ok ? 0 : 1;
}
