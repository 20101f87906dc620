#!/usr/bin/python3
# Dev aid, not a build or test dependency: the PyTorch twin of nn/transformer.h (TextEncoder), on the
# tiny configuration and formula weights of tests/test_nn_transformer.cpp; it prints the state_dict
# names and the three sentence embeddings, which that test pins (run with Debian's python3-torch 1.13.1).
# Usage: /usr/bin/python3 scripts/transformer_reference.py
import math

import torch
from torch import nn


class TextEncoder(nn.Module):
    """Token + learned position embeddings, post-norm Transformer encoder, mean over real tokens."""

    def __init__(self, vocab, max_tokens, dim, heads, ff, layers, dropout=0.1):
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Embedding(max_tokens, dim)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(dim, heads, ff, dropout, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, ids):  # ids (N, L), 0 = <pad>
        pad = ids == 0
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        x = self.encoder(self.dropout(x), src_key_padding_mask=pad)
        keep = (~pad).to(x.dtype).unsqueeze(-1)
        return (x * keep).sum(1) / keep.sum(1)


def fill(model):
    # the k-th tensor of the state_dict, element i: 0.5 sin(0.37 (i + 1) + 1.1 (k + 1))
    for k, (name, t) in enumerate(model.state_dict().items()):
        flat = torch.tensor([0.5 * math.sin(0.37 * (i + 1) + 1.1 * (k + 1)) for i in range(t.numel())], dtype=t.dtype)
        t.copy_(flat.view(t.shape))
        print(name, list(t.shape))


def main():
    torch.set_default_dtype(torch.float64)
    m = TextEncoder(vocab=7, max_tokens=5, dim=8, heads=2, ff=16, layers=2).eval()
    with torch.no_grad():
        fill(m)
        y = m(torch.tensor([[2, 3, 4, 5], [6, 2, 0, 0], [1, 0, 0, 0]]))
    for row in y.tolist():
        print(", ".join(f"{v:.6f}" for v in row))


if __name__ == "__main__":  # scripts/bench_text_peer.py imports TextEncoder from here
    main()
