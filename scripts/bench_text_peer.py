#!/usr/bin/python3
# Dev aid, not a build or test dependency: the PyTorch twin of bench/bench_text.cpp. The same SimCSE
# training step (the TextEncoder of scripts/transformer_reference.py: d 128, 4 heads, FF 512,
# 2 layers, dropout 0.1, vocabulary 7,500, 32 positions) on 64 sentences x 2 views of 12 random
# words, InfoNCE over cosine / 0.05, forward + backward + Adam (lr 1e-3), float32, median of
# 10 steps after 2 warm-up steps, printed in bench_text's format. Run it beside
# build/bench/bench_text, back to back, and note the load (cat /proc/loadavg).
# Usage: /usr/bin/python3 scripts/bench_text_peer.py [--threads T]   (default 2, as bench_text here)
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformer_reference import TextEncoder  # noqa: E402

parser = argparse.ArgumentParser(description="PyTorch twin of bench/bench_text.cpp")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

B, L, VOCAB = 64, 12, 7500
enc = TextEncoder(vocab=VOCAB, max_tokens=32, dim=128, heads=4, ff=512, layers=2, dropout=0.1).train()
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
ids = torch.randint(2, VOCAB, (2 * B, L))  # no <pad>: every sentence 12 words, as in bench_text
targets = torch.arange(B)


def step():
    z = F.normalize(enc(ids), dim=1)
    loss = F.cross_entropy(z[:B] @ z[B:].T / 0.05, targets)
    opt.zero_grad()
    loss.backward()
    opt.step()


print(f"PyTorch {torch.__version__} text encoder benchmark, {torch.get_num_threads()} threads: "
      f"SimCSE step, {B} sentences x 2 views x {L} words")
for _ in range(2):
    step()
times = []
for _ in range(10):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
t = sorted(times)[len(times) // 2]  # bench_util.h's median_seconds: the upper middle of 10
print(f"simcse step:  {1e3 * t:8.1f} ms  {2 * B * L / t:8.0f} words/s")
