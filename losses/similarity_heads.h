// The regression and classification families of similarity learning (the ranking family is
// triplet.h): a pair (x1, x2) of embeddings gets a similarity, and
//  * regression: its predicted similarity is fitted to a real score y by MSE
//    (e.g. sentence-transformers' CosineSimilarityLoss);
//  * classification: y in {0,1} (same or not), binary cross-entropy on a learned logit
//    scale * (bias - d(x1,x2)) (for a similarity: scale * (s - bias)), in the stable
//    log-sigmoid form -(y log sigmoid(z) + (1-y) log sigmoid(-z)).
#pragma once
#include "losses/distance.h"
#include "losses/reducer.h"

namespace ct {

// pred, target: same shape (T) -> ()   mean (or other reducer) of (pred - target)^2
Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction reducer = Reduction::Mean);

// logits, y:(T), y in [0,1] -> ()   as torch.nn.functional.binary_cross_entropy_with_logits
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& y, Reduction reducer = Reduction::Mean);

// x1, x2:(N,D), target:(N) -> ()   mse(similarity(x1_i, x2_i), target_i)
Tensor similarity_regression_loss(const Tensor& x1, const Tensor& x2, const Tensor& target,
                                  const Distance& similarity = Distance::cosine());

// The learned logit of each pair: scale * margin(bias, d), i.e. scale * (bias - d) for a distance
// and scale * (s - bias) for a similarity. scale, bias: one-element tensors (parameters).
// x1, x2:(N,D) -> (N)
Tensor pair_similarity_logits(const Tensor& x1, const Tensor& x2, const Tensor& scale, const Tensor& bias,
                              const Distance& distance = Distance::euclidean(false));

// x1, x2:(N,D), y:(N) in {0,1} -> ()   BCE on pair_similarity_logits
Tensor similarity_classification_loss(const Tensor& x1, const Tensor& x2, const Tensor& y, const Tensor& scale,
                                      const Tensor& bias, const Distance& distance = Distance::euclidean(false));

}  // namespace ct
