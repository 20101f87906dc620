// The README's core API example (built by `make` so that it never rots): a tiny graph,
// backward, gradients. Run: ./build/core_example
#include <iostream>
#include "core/ops.h"
#include "core/random.h"
using namespace ct;

int main() {
    Generator gen(0);                                          // every random draw is explicit
    Tensor x = Tensor::randn({4, 3}, gen);                     // 4 points in 3-D: no gradient needed
    Tensor w = Tensor::randn({2, 3}, gen).requires_grad_();    // leaves we want gradients for
    Tensor b = Tensor::zeros({2}).requires_grad_();
    Tensor z = normalize(linear(x, w, b), 1);                  // 4 unit-length 2-D embeddings
    Tensor loss = mean(pairwise_sq_dist(z, z));                // pull every pair together
    std::cout << to_dot(loss);                                 // the recorded graph (Graphviz)
    loss.backward();                                           // reverse mode through the graph
    std::cout << loss << "\n" << w.grad() << "\n" << b.grad() << "\n";
}
