// The self-supervised methods' shared pieces; see self_supervised.h.
#include "apps/contrast/self_supervised.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/ops.h"
#include "nn/batchnorm.h"
#include "nn/models.h"

namespace ct::app {

Tensor MethodState::forward(const Tensor&) {
    CT_THROW(ValueError, "MethodState: a method's state has no forward; call its pieces");
}

std::pair<Tensor, Tensor> view_halves(const Tensor& z) {
    CT_CHECK(z.dim() == 2 && z.size(0) % 2 == 0 && z.size(0) >= 2,
             "view_halves: z " << z.shape() << " must be (2B,D): two views of B images");
    const int64_t B = z.size(0) / 2;
    return {narrow(z, 0, 0, B), narrow(z, 0, B, B)};
}

Model make_ssl_model(const RunConfig& c, const Dataset& train, Generator& gen, int64_t hidden, int layers,
                     bool batch_norm, bool output_norm) {
    return make_encoder_with_head(c, train, gen, [&](int64_t features) -> nn::ModulePtr {
        auto head = nn::make_projection_head(features, hidden, c.embedding_dim, gen, layers, batch_norm);
        if (!output_norm) return head;
        return std::make_shared<nn::Sequential>(
            std::vector<nn::ModulePtr>{head, std::make_shared<nn::BatchNorm1d>(c.embedding_dim)});
    });
}

nn::ModulePtr make_predictor(int64_t dim, int64_t hidden, Generator& gen) {
    return nn::make_projection_head(dim, hidden, dim, gen, 2, true);
}

float cosine_momentum(float base, int64_t step, int64_t total) {
    if (step >= total) return 1.f;
    const double pi = std::acos(-1.0);
    return float(1.0 - (1.0 - base) * (std::cos(pi * double(step) / double(total)) + 1.0) / 2.0);
}

int64_t total_steps(const RunConfig& c, const Dataset& train) {
    return std::max<int64_t>(1, c.epochs * (train.size() / c.batch_size));
}

void require_batch_statistics(const RunConfig& c, const std::string& why) {
    CT_CHECK_AS(ValueError, c.batch_size >= 2,
                "--batch-size " << c.batch_size << ": " << c.method << " needs at least 2 images per view (" << why << ")");
}

}  // namespace ct::app
