// Regression and classification similarity losses. See similarity_heads.h.
#include "losses/similarity_heads.h"

namespace ct {

namespace {
void check_same_vector(const char* op, const char* a_name, const Tensor& a, const char* b_name, const Tensor& b) {
    CT_CHECK(a.defined() && b.defined() && a.dim() == 1 && a.shape() == b.shape(),
             op << ": " << a_name << " " << (a.defined() ? a.shape() : Shape{}) << " and " << b_name << " "
                << (b.defined() ? b.shape() : Shape{}) << " must both be (T)");
}
}  // namespace

Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction reducer) {
    check_same_vector("mse_loss", "pred", pred, "target", target);
    return reduce_losses(square(pred - target), reducer);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& y, Reduction reducer) {
    check_same_vector("binary_cross_entropy_with_logits", "logits", logits, "y", y);
    for (float v : y.to_vector())
        CT_CHECK_AS(ValueError, v >= 0.f && v <= 1.f,
                    "binary_cross_entropy_with_logits: targets must lie in [0,1], got " << v);
    // log sigmoid(z) = -softplus(-z) never overflows, unlike log(1 / (1 + e^-z)) for z << 0
    return reduce_losses(-(y * log_sigmoid(logits) + (1.f - y) * log_sigmoid(-logits)), reducer);
}

Tensor similarity_regression_loss(const Tensor& x1, const Tensor& x2, const Tensor& target,
                                  const Distance& similarity) {
    return mse_loss(similarity.paired(x1, x2), target);
}

Tensor pair_similarity_logits(const Tensor& x1, const Tensor& x2, const Tensor& scale, const Tensor& bias,
                              const Distance& distance) {
    CT_CHECK(scale.defined() && bias.defined() && scale.numel() == 1 && bias.numel() == 1,
             "pair_similarity_logits: scale " << (scale.defined() ? scale.shape() : Shape{}) << " and bias "
                                              << (bias.defined() ? bias.shape() : Shape{})
                                              << " must hold one value each");
    const Tensor d = distance.paired(x1, x2);   // (N)
    return reshape(scale, {1}) * distance.margin(reshape(bias, {1}), d);
}

Tensor similarity_classification_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, const Tensor& scale,
                                      const Tensor& bias, const Distance& distance) {
    return binary_cross_entropy_with_logits(pair_similarity_logits(x1, x2, scale, bias, distance), y);
}

}  // namespace ct
