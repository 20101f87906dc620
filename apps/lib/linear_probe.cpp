// Logistic regression on frozen features; see linear_probe.h. Built from core ops (linear,
// cross_entropy) and nn::Adam, so the gradients are the library's own, already gradient-checked.
#include "apps/lib/linear_probe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/ops.h"
#include "core/random.h"
#include "nn/optim.h"

namespace ct {

namespace {

Tensor prepared(const Tensor& x, bool unit) {
    if (!unit) return x.detach();
    NoGradGuard no_grad;
    return normalize(x, 1);
}

double accuracy(const Tensor& x, const std::vector<int64_t>& y, const Tensor& w, const Tensor& b) {
    if (x.size(0) == 0) return 0;
    NoGradGuard no_grad;
    const std::vector<int64_t> predicted = argmax(linear(x, w, b), 1);
    int64_t right = 0;
    for (size_t i = 0; i < y.size(); ++i) right += predicted[i] == y[i];
    return double(right) / double(y.size());
}

}  // namespace

LinearProbeResult linear_probe(const Tensor& train_x, const std::vector<int64_t>& train_y, const Tensor& test_x,
                               const std::vector<int64_t>& test_y, int64_t num_classes,
                               const LinearProbeOptions& o) {
    CT_CHECK(train_x.dim() == 2 && test_x.dim() == 2 && train_x.size(1) == test_x.size(1),
             "linear_probe: train features " << train_x.shape() << " and test features " << test_x.shape()
                                             << " must be (N,D) and (M,D)");
    CT_CHECK(int64_t(train_y.size()) == train_x.size(0) && int64_t(test_y.size()) == test_x.size(0),
             "linear_probe: " << train_y.size() << " train labels for " << train_x.size(0) << " rows, "
                              << test_y.size() << " test labels for " << test_x.size(0) << " rows");
    CT_CHECK(train_x.size(0) > 0 && num_classes >= 2 && o.epochs >= 1 && o.batch_size >= 1,
             "linear_probe: need training rows, >= 2 classes, epochs and batch size >= 1; got N = "
                 << train_x.size(0) << ", classes " << num_classes << ", epochs " << o.epochs << ", batch " << o.batch_size);
    for (int64_t y : train_y)
        CT_CHECK(y >= 0 && y < num_classes, "linear_probe: label " << y << " outside [0, " << num_classes << ")");
    const int64_t N = train_x.size(0), D = train_x.size(1);
    const Tensor x = prepared(train_x, o.normalize), xt = prepared(test_x, o.normalize);

    // Zero start: the problem is convex, so no random initialisation is needed.
    LinearProbeResult r;
    r.weight = Tensor::zeros({num_classes, D}).requires_grad_();
    r.bias = Tensor::zeros({num_classes}).requires_grad_();
    nn::AdamOptions adam;
    adam.lr = o.lr;
    adam.weight_decay = o.weight_decay;
    nn::Adam optimizer(nn::NamedTensors{{"weight", r.weight}, {"bias", r.bias}}, adam);

    Generator gen(o.seed);
    std::vector<int64_t> order(static_cast<size_t>(N));
    std::iota(order.begin(), order.end(), 0);
    for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
        for (int64_t i = N - 1; i > 0; --i) std::swap(order[size_t(i)], order[size_t(gen.randint(i + 1))]);   // Fisher-Yates
        double total = 0;
        for (int64_t start = 0; start < N; start += o.batch_size) {
            const int64_t n = std::min(o.batch_size, N - start);
            const std::vector<int64_t> rows(order.begin() + start, order.begin() + start + n);
            std::vector<int64_t> labels(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; ++i) labels[size_t(i)] = train_y[size_t(rows[size_t(i)])];
            optimizer.zero_grad();
            Tensor loss = cross_entropy(linear(index_select(x, 0, rows), r.weight, r.bias), labels);
            loss.backward();
            optimizer.step();
            total += double(loss.item()) * double(n);
        }
        r.epoch_loss.push_back(total / double(N));
    }
    r.weight = r.weight.detach();
    r.bias = r.bias.detach();
    r.train_accuracy = accuracy(x, train_y, r.weight, r.bias);
    r.test_accuracy = accuracy(xt, test_y, r.weight, r.bias);
    return r;
}

}  // namespace ct
