// What the walkthroughs share: narration, timing, the data sets' normalisation constants, and
// embedding a whole data set in eval mode without a graph. Each walkthrough stays one readable
// file; only these few lines, which every one of them needed, live here.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "nn/module.h"

namespace ct::walkthrough {

inline void say(const char* text) { std::printf("%s\n", text); }

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The usual per-channel statistics of the training sets, for (x - mean) / std.
constexpr float kMnistMean = 0.1307f, kMnistStd = 0.3081f;
inline const std::vector<float> kCifarMean{0.4914f, 0.4822f, 0.4465f}, kCifarStd{0.2470f, 0.2435f, 0.2616f};

inline Tensor standardise_mnist(const Tensor& images) { return (images - kMnistMean) / kMnistStd; }

// net applied to every image, 500 at a time: (N, ...) -> (N, D), in eval mode and without a graph.
inline Tensor embed_all(nn::Module& net, const Tensor& images) {
    NoGradGuard no_grad;
    net.eval();
    std::vector<Tensor> parts;
    for (int64_t s = 0; s < images.size(0); s += 500)
        parts.push_back(net(narrow(images, 0, s, std::min<int64_t>(500, images.size(0) - s))));
    net.train();
    return cat(parts, 0);
}

}  // namespace ct::walkthrough
