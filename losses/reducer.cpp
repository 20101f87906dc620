// Reducers: mean, mean over non-zero terms, sum. See reducer.h.
#include "losses/reducer.h"

namespace ct {

const char* reducer_name(Reducer r) {
    switch (r) {
        case Reducer::Mean: return "mean";
        case Reducer::MeanNonZero: return "mean_non_zero";
        case Reducer::Sum: return "sum";
        case Reducer::None: return "none";
    }
    return "?";
}

Tensor reduce_losses(const Tensor& losses, Reducer reducer) {
    CT_CHECK(losses.defined() && losses.dim() == 1,
             "reduce_losses: losses must be a vector (T), got " << (losses.defined() ? losses.shape() : Shape{}));
    CT_CHECK(losses.numel() > 0, "reduce_losses: no terms to reduce (" << reducer_name(reducer)
                                     << "); a loss with nothing mined returns zero_loss instead");
    switch (reducer) {
        case Reducer::Mean: return mean(losses);
        case Reducer::Sum: return sum(losses);
        case Reducer::None: return losses;
        case Reducer::MeanNonZero: {
            // The count is a constant of the batch (no gradient flows through "how many are > 0");
            // the zero terms add nothing to the sum, so sum/count is the mean over the non-zero ones.
            int64_t count = 0;
            const float* p = losses.data();
            for (int64_t i = 0; i < losses.numel(); ++i) count += p[i] > 0.f;
            return count == 0 ? mul(sum(losses), 0.f) : mul(sum(losses), 1.f / float(count));
        }
    }
    return mean(losses);
}

Tensor zero_loss(const Tensor& x) { return mul(sum(x), 0.f); }

}  // namespace ct
