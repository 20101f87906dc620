// Scaled dot-product attention with a key-padding mask, composed of matmul, masked_fill and softmax
// (their backwards give its own). The heads of multi-head attention are folded into the batch by
// the caller (nn/transformer.cpp).
#include <cmath>
#include <limits>

#include "core/ops.h"

namespace ct {

// y = softmax(q k^T / sqrt(E), masked) v        q:(B,Lq,E) k:(B,Lk,E) v:(B,Lk,Ev)  mask:(B,Lk) -> (B,Lq,Ev)
// A padded key's score is -inf, so softmax (exp in double) gives it a weight of exactly 0: its k
// and v change no output and receive a gradient of exactly 0.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask) {
    CT_CHECK(q.defined() && k.defined() && v.defined() && q.dim() == 3 && k.dim() == 3 && v.dim() == 3,
             "scaled_dot_product_attention: q, k, v must be (B,Lq,E), (B,Lk,E), (B,Lk,Ev), got "
                 << (q.defined() ? q.shape() : Shape{}) << ", " << (k.defined() ? k.shape() : Shape{}) << ", "
                 << (v.defined() ? v.shape() : Shape{}));
    const int64_t B = q.size(0), E = q.size(2), Lk = k.size(1);
    CT_CHECK(k.size(0) == B && v.size(0) == B && k.size(2) == E && v.size(1) == Lk && E > 0 && Lk > 0,
             "scaled_dot_product_attention: q " << q.shape() << ", k " << k.shape() << ", v " << v.shape()
                                                << " must be (B,Lq,E), (B,Lk,E), (B,Lk,Ev)");
    Tensor scores = matmul(q, transpose(k, 1, 2)) * float(1.0 / std::sqrt(double(E)));   // (B,Lq,Lk)
    if (key_padding_mask.defined()) {
        CT_CHECK(key_padding_mask.shape() == Shape({B, Lk}),
                 "scaled_dot_product_attention: key_padding_mask must be (B,Lk) = [" << B << ", " << Lk << "], got "
                                                                                     << key_padding_mask.shape());
        const float* m = key_padding_mask.data();
        for (int64_t b = 0; b < B; ++b) {
            int64_t padded = 0;
            for (int64_t j = 0; j < Lk; ++j) padded += m[b * Lk + j] != 0.f;
            CT_CHECK(padded < Lk, "scaled_dot_product_attention: every key of batch row " << b
                                      << " is padded: a softmax over no keys is undefined");
        }
        scores = masked_fill(scores, reshape(key_padding_mask, {B, 1, Lk}), -std::numeric_limits<float>::infinity());
    }
    return matmul(softmax(scores, -1), v);
}

}  // namespace ct
