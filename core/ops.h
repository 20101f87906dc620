// Every differentiable op of contrast, grouped as in PyTorch. Each line gives the shapes; the
// definitions (forward and backward side by side) are in core/ops_<group>.cpp, and
// tests/test_all_ops_gradcheck.cpp has one gradient-check row per op declared here.
// Binary elementwise ops broadcast as NumPy does. `dim` arguments may be negative.
#pragma once
#include <cstdint>
#include <vector>

#include "core/autograd.h"
#include "core/tensor.h"

namespace ct {

class Generator;

// ---------------------------------------------------------------- elementwise (ops_elementwise.cpp)
Tensor add(const Tensor& a, const Tensor& b);       // a:(..)  b:(..) broadcastable -> broadcast shape
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);   // ties send half the gradient to each side
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);               // x:(..) -> (..)
Tensor mul(const Tensor& a, float b);
Tensor rsub(float a, const Tensor& b);              // a - b
Tensor rdiv(float a, const Tensor& b);              // a / b
Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor log_sigmoid(const Tensor& x);                // stable: -softplus(-x)
Tensor tanh(const Tensor& x);
Tensor gelu(const Tensor& x);                       // x Phi(x), the exact (erf) form, as PyTorch's default
Tensor softplus(const Tensor& x);                   // log(1 + e^x), stable for large |x|
Tensor clamp(const Tensor& x, float min, float max);
Tensor clamp_min(const Tensor& x, float min);
Tensor clamp_max(const Tensor& x, float max);
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b);   // mask != 0 ? a : b (broadcast)
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);  // mask != 0 ? value : x

// Comparisons give 0/1 masks (float) and are not differentiable.
Tensor gt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, float b);
Tensor lt(const Tensor& a, float b);
Tensor logical_not(const Tensor& mask);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(const Tensor& a, float b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(const Tensor& a, float b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(const Tensor& a, float b);
Tensor operator/(float a, const Tensor& b);

// ---------------------------------------------------------------- reductions (ops_reduce.cpp)
Tensor sum(const Tensor& x);                                      // (..) -> ()
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);   // (.., n, ..) -> (.., ..)
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
struct ValuesIndices {
    Tensor values;
    std::vector<int64_t> indices;   // position along dim of each value, row-major like values
};
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);   // ties: first index
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);                                      // (..) -> ()
Tensor min(const Tensor& x);
std::vector<int64_t> argmax(const Tensor& x, int64_t dim);        // not differentiable
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);  // max-shifted, stable
Tensor var(const Tensor& x, int64_t dim, bool unbiased = true, bool keepdim = false);
Tensor norm(const Tensor& x, int64_t dim, bool keepdim = false);  // L2; gradient 0 at x = 0
// How a vector of per-sample / per-pair / per-triplet losses becomes the loss: PyTorch's
// reduction='mean'|'sum'|'none', and pytorch-metric-learning's AvgNonZeroReducer (Hermans'
// batch-all), the mean over the terms > 0 (0 if there are none).
enum class Reduction { Mean, MeanNonZero, Sum, None };
const char* reduction_name(Reduction r);   // "mean", "mean_non_zero", "sum", "none"
Tensor reduce_losses(const Tensor& losses, Reduction reduction);  // (T) -> () (or (T) with None)

// ---------------------------------------------------------------- shape (ops_shape.cpp)
Tensor reshape(const Tensor& x, Shape shape);     // one -1 allowed; shares storage
Tensor view(const Tensor& x, Shape shape);        // = reshape (tensors are always contiguous)
Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);   // copies
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);   // [start, end)
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor index_select(const Tensor& x, int64_t dim, const std::vector<int64_t>& index);
// out[.., j, ..] = x[.., index[.., j, ..], ..] along dim; index has x's shape but k along dim.
Tensor gather(const Tensor& x, int64_t dim, const std::vector<int64_t>& index);
// out = base, then out[.., index[.., j, ..], ..] += src[.., j, ..] along dim.
Tensor scatter_add(const Tensor& base, int64_t dim, const std::vector<int64_t>& index, const Tensor& src);
Tensor expand(const Tensor& x, const Shape& shape);              // broadcast_to
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor diag(const Tensor& x);                                     // (n) -> (n,n);  (n,n) -> (n)

// ---------------------------------------------------------------- linear algebra (ops_linear.cpp)
// a:(M,K) b:(K,N) -> (M,N);  a:(B,M,K) b:(B,K,N) -> (B,M,N);  a:(B,M,K) b:(K,N) -> (B,M,N).
// transpose_a/b use the matrices transposed (2-D only), passed to BLAS as flags, not copied.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());  // x:(N,IN) w:(OUT,IN) b:(OUT)
// |a_i|^2 + |b_j|^2 - 2 a_i.b_j through one GEMM, clamped at 0.   a:(N,D) b:(M,D) -> (N,M)
Tensor pairwise_sq_dist(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- convolution (ops_conv.cpp)
// x:(N,C,H,W) w:(OUT,C,K,K) b:(OUT) or undefined -> (N,OUT,H',W'),  H' = (H + 2p - K)/s + 1
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), int64_t stride = 1,
              int64_t padding = 0);
// relu_max_pool2x2(conv2d(x, w), b): what nn::Sequential runs for Conv2d, ReLU, MaxPool2d(2). A first
// layer (few input channels) pools each image while it is in cache; others run the two ops.
Tensor conv2d_relu_max_pool2x2(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), int64_t stride = 1,
                               int64_t padding = 0);

// ---------------------------------------------------------------- pooling (ops_pool.cpp)
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0);  // stride 0 = kernel
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride = 0);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_size);   // (N,C,H,W) -> (N,C,S,S); H,W divisible by S
Tensor global_avg_pool2d(const Tensor& x);                       // (N,C,H,W) -> (N,C)
// x:(N,C,H,W) bias:(C) or undefined -> (N,C,H/2,W/2): max_pool2d(relu(x + bias[c]), 2) in one pass
// each way, keeping a byte per output; what nn::Sequential runs for [Conv2d,] ReLU, MaxPool2d(2).
Tensor relu_max_pool2x2(const Tensor& x, const Tensor& bias = Tensor());

// ---------------------------------------------------------------- batch normalisation (ops_batch_norm.cpp)
// x:(N,C) or (N,C,H,W); weight, bias:(C) (may be undefined); running stats:(C), updated in place
// when training (running_var with the unbiased batch variance, as PyTorch).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);
// relu(batch_norm(...)) in one pass each way, without storing the normalised tensor: what
// nn::Sequential runs for a BatchNorm followed by a ReLU while a graph is recorded.
Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);
// x:(N,C,H,W) -> (N,C,H/2,W/2): max_pool2d(batch_norm_relu(...), 2) without the full-size ReLU
// output (what Sequential runs for BatchNorm2d, ReLU, MaxPool2d(2)); one byte per output kept.
Tensor batch_norm_relu_max_pool2x2(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                   const Tensor& running_mean, const Tensor& running_var, bool training,
                                   float momentum = 0.1f, float eps = 1e-5f);

// ---------------------------------------------------------------- normalisation and NN functions (ops_norm.cpp)
Tensor dropout(const Tensor& x, float p, bool training, Generator& gen);   // inverted dropout
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// logits:(N,C) targets:N class indices -> () (or (N) with Reduction::None)
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     Reduction reduction = Reduction::Mean);
Tensor normalize(const Tensor& x, int64_t dim = 1, float eps = 1e-12f);   // x / max(|x|_2, eps)
// x:(..., D) weight, bias:(D) (may be undefined) -> (..., D): over the last dimension,
// (x - mean) / sqrt(biased var + eps) * weight + bias, as torch.nn.functional.layer_norm.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);
// weight:(V,D), ids:(N) or (N,L) row indices -> (N,D) or (N,L,D): the rows of weight; backward
// adds each output row's gradient into its row, repeated ids summing (torch.nn.functional.embedding).
Tensor embedding(const Tensor& weight, const std::vector<int64_t>& ids, const Shape& ids_shape);

// ---------------------------------------------------------------- attention (ops_attention.cpp)
// q:(B,Lq,E) k:(B,Lk,E) v:(B,Lk,Ev) key_padding_mask:(B,Lk), non-zero = padded, or undefined
// -> (B,Lq,Ev): softmax(q k^T / sqrt(E)) v with padded keys at weight exactly 0 (torch's
// scaled_dot_product_attention with attn_mask = ~key_padding_mask). Each row needs a real key.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& key_padding_mask = Tensor());

// ---------------------------------------------------------------- contrastive (ops_contrastive.cpp)
// z:(M,D), M = 2N, two views per item (row i and row (i + N) mod M) -> (): NT-Xent's core,
// mean_i -log softmax_{j != i}(z z^T / temperature)_{i, (i+N) mod M}, fused (one GEMM forward and
// one backward). losses/nt_xent.h builds the loss from it on normalized rows.
Tensor paired_cross_entropy(const Tensor& z, float temperature);

// ---------------------------------------------------------------- distributed (ops_distributed.cpp)
// x:(n_r, ...) on rank r of K -> (n_0 + .. + n_{K-1}, ...), every rank's rows in rank order (x
// itself at K = 1). Backward: each rank gets its rows of the gradient SUMMED over ranks. A collective
// (core/distributed.h): every rank calls it, in the same order; rows_per_rank receives the n_r.
Tensor all_gather(const Tensor& x, std::vector<int64_t>* rows_per_rank = nullptr);

}  // namespace ct
