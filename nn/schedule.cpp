// Learning-rate schedules (formulas in nn/schedule.h).
#include "nn/schedule.h"

#include <cmath>

namespace ct::nn {

LrSchedule LrSchedule::constant() { return {}; }

LrSchedule LrSchedule::step(int64_t step_size, float gamma) {
    CT_CHECK_AS(ValueError, step_size > 0 && gamma > 0.f,
                "LrSchedule::step: step_size and gamma must be positive, got " << step_size << " and " << gamma);
    LrSchedule s;
    s.kind = Kind::Step;
    s.step_size = step_size;
    s.gamma = gamma;
    return s;
}

LrSchedule LrSchedule::cosine(int64_t total, float min_factor) { return warmup_cosine(0, total, min_factor); }

LrSchedule LrSchedule::warmup_cosine(int64_t warmup, int64_t total, float min_factor) {
    CT_CHECK_AS(ValueError, warmup >= 0 && total > warmup && min_factor >= 0.f && min_factor <= 1.f,
                "LrSchedule: need 0 <= warmup < total and min_factor in [0, 1], got warmup=" << warmup << " total="
                                                                                             << total << " min_factor="
                                                                                             << min_factor);
    LrSchedule s;
    s.kind = warmup > 0 ? Kind::WarmupCosine : Kind::Cosine;
    s.warmup = warmup;
    s.total = total;
    s.min_factor = min_factor;
    return s;
}

LrSchedule LrSchedule::parse(const std::string& name, int64_t total, int64_t warmup, int64_t step_size, float gamma) {
    if (name == "constant") return constant();
    if (name == "step") return step(step_size, gamma);
    if (name == "cosine") return cosine(total);
    if (name == "warmup_cosine") return warmup_cosine(warmup, total);
    CT_THROW(ValueError, "LrSchedule: unknown schedule '" << name << "'; choose constant, step, cosine or warmup_cosine");
}

float LrSchedule::factor(int64_t t) const {
    CT_CHECK_AS(ValueError, t >= 0, "LrSchedule: step must be >= 0, got " << t);
    const double pi = 3.14159265358979323846;
    switch (kind) {
        case Kind::Constant: return 1.f;
        case Kind::Step: return float(std::pow(double(gamma), double(t / step_size)));
        case Kind::Cosine:
        case Kind::WarmupCosine: {
            if (t < warmup) return float(double(t + 1) / double(warmup));
            const double progress = std::min(1.0, double(t - warmup) / double(total - warmup));
            return float(min_factor + (1.0 - min_factor) * 0.5 * (1.0 + std::cos(pi * progress)));
        }
    }
    return 1.f;
}

void LrSchedule::apply(Optimizer& optimizer, int64_t t) const {
    const float f = factor(t);
    for (ParamGroup& g : optimizer.param_groups()) g.lr = g.initial_lr * f;
}

}  // namespace ct::nn
