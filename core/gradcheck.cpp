// Central differences in float32 inputs, projections summed in double.
#include "core/gradcheck.h"

#include <cmath>
#include <sstream>

#include "core/autograd.h"
#include "core/random.h"

namespace ct {

std::string GradcheckResult::message() const {
    std::ostringstream os;
    os << (ok ? "gradcheck passed" : "gradcheck FAILED") << ": max abs error " << max_abs_error;
    if (!worst.empty()) os << " at " << worst;
    return os.str();
}

namespace {
double projection(const Tensor& y, const Tensor& r) {
    double acc = 0;
    for (int64_t i = 0; i < y.numel(); ++i) acc += double(y.data()[i]) * double(r.data()[i]);
    return acc;
}
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
    std::vector<Tensor> leaves;
    for (const Tensor& t : inputs) leaves.push_back(t.clone().requires_grad_(true));

    Tensor y = fn(leaves);
    Generator gen(opt.seed);
    Tensor r = Tensor::randn(y.shape(), gen);
    CT_CHECK(y.requires_grad(), "gradcheck: the output does not depend on any input");
    y.backward(r);

    GradcheckResult result;
    double worst_excess = -1;
    for (size_t k = 0; k < leaves.size(); ++k) {
        Tensor analytic = leaves[k].grad();
        float* p = leaves[k].data();
        for (int64_t i = 0; i < leaves[k].numel(); ++i) {
            const float saved = p[i];
            double fp, fm;
            {
                NoGradGuard no_grad;
                p[i] = float(saved + opt.eps);
                fp = projection(fn(leaves), r);
                p[i] = float(saved - opt.eps);
                fm = projection(fn(leaves), r);
            }
            p[i] = saved;
            const double numeric = (fp - fm) / (2 * opt.eps);
            const double a = analytic.defined() ? analytic.data()[i] : 0.0;
            const double err = std::fabs(a - numeric);
            const double excess = err - (opt.atol + opt.rtol * std::fabs(numeric));
            if (!(excess <= 0)) result.ok = false;   // also catches NaN
            if (err > result.max_abs_error || std::isnan(err)) result.max_abs_error = err;
            if (excess > worst_excess || std::isnan(err)) {
                worst_excess = std::isnan(err) ? INFINITY : excess;
                std::ostringstream os;
                os << "input " << k << " " << leaves[k].shape() << " element " << i << ": analytic "
                   << a << " numeric " << numeric;
                result.worst = os.str();
            }
        }
    }
    return result;
}

}  // namespace ct
