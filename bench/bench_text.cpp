// The text encoder's training speed in words per second: one SimCSE step (nn/transformer.h, d 128,
// 4 heads, FF 512, 2 layers, vocabulary 7,500) on 64 sentences x 2 views of 12 words each (STS-B's
// training sentences average ~11 words), forward + backward + Adam, median of repeated steps.
// Its PyTorch twin is scripts/bench_text_peer.py (same step, same format); figures side by side in README.md.
#include <cstdio>
#include <vector>

#include "bench/bench_util.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/random.h"
#include "data/tokenizer.h"
#include "nn/optim.h"
#include "nn/transformer.h"

using namespace ct;

int main(int, char** argv) {
    ct::setup_runtime(argv);
    Generator gen(0);
    const int64_t B = 64, L = 12;
    nn::TextEncoderConfig config;
    config.vocab = 7500;
    nn::TextEncoder enc(config, gen, 1);
    nn::AdamOptions o;
    o.lr = 1e-3f;
    nn::Adam opt(enc.named_parameters(), o);
    std::vector<std::vector<int64_t>> seqs;
    for (int64_t i = 0; i < 2 * B; ++i) {
        std::vector<int64_t> s;
        for (int64_t j = 0; j < L; ++j) s.push_back(2 + gen.randint(config.vocab - 2));
        seqs.push_back(s);
    }
    const TokenBatch tb = pad_batch(seqs);
    std::vector<int64_t> targets;
    for (int64_t i = 0; i < B; ++i) targets.push_back(i);
    std::printf("text encoder benchmark, %d threads: SimCSE step, %lld sentences x 2 views x %lld words\n", num_threads(),
                (long long)B, (long long)L);
    const double step_s = bench::median_seconds(
        [&] {
            const Tensor z = normalize(enc.encode(tb.ids, tb.padding_mask), 1);
            Tensor loss = cross_entropy(matmul(narrow(z, 0, 0, B), narrow(z, 0, B, B), false, true) / 0.05f, targets);
            opt.zero_grad();
            loss.backward();
            opt.step();
        },
        10, 2);
    std::printf("simcse step:  %8.1f ms  %8.0f words/s\n", 1e3 * step_s, double(2 * B * L) / step_s);
    return 0;
}
