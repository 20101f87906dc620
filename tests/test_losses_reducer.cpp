// losses/reducer: mean, mean over non-zero, sum and none on hand-made loss vectors.
#include "losses/losses.h"

#include "tests/test_losses_helpers.h"

using namespace ct;
using namespace ct_test;

TEST_CASE("losses reducer: mean, mean over non-zero, sum, none") {
    const Tensor l = Tensor::from_vector({0, 2, 0, 4});
    CHECK(reduce_losses(l, Reducer::Mean).item() == doctest::Approx(1.5));
    CHECK(reduce_losses(l, Reducer::MeanNonZero).item() == doctest::Approx(3.0));   // (2+4)/2
    CHECK(reduce_losses(l, Reducer::Sum).item() == doctest::Approx(6.0));
    CHECK(reduce_losses(l, Reducer::None).to_vector() == l.to_vector());
    CHECK(reduce_losses(Tensor::zeros({3}), Reducer::MeanNonZero).item() == 0.f);   // none non-zero: 0
    CHECK_THROWS_WITH_AS(reduce_losses(Tensor::zeros({2, 2}), Reducer::Mean),
                         doctest::Contains("reduce_losses: losses must be a vector (T), got [2, 2]"), ct::ShapeError);
}
