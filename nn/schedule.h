// Learning-rate schedules: the lr factor at a step (or epoch), as torch.optim.lr_scheduler's
// StepLR and CosineAnnealingLR and SimCLR's linear warm-up then cosine decay. A schedule is a
// value; apply() writes lr = initial_lr * factor(t) into every parameter group of an optimizer.
#pragma once
#include <cstdint>
#include <string>

#include "nn/optim.h"

namespace ct::nn {

struct LrSchedule {
    enum class Kind { Constant, Step, Cosine, WarmupCosine };
    Kind kind = Kind::Constant;
    int64_t total = 0;         // Cosine / WarmupCosine: steps until the minimum (T_max)
    int64_t warmup = 0;        // WarmupCosine: steps of linear warm-up
    int64_t step_size = 0;     // Step: multiply by gamma every step_size steps
    float gamma = 0.1f;
    float min_factor = 0.f;    // Cosine / WarmupCosine: eta_min / base lr

    static LrSchedule constant();
    static LrSchedule step(int64_t step_size, float gamma = 0.1f);
    static LrSchedule cosine(int64_t total, float min_factor = 0.f);
    static LrSchedule warmup_cosine(int64_t warmup, int64_t total, float min_factor = 0.f);
    // "constant", "step", "cosine", "warmup_cosine" (the CLI's --schedule), with the numbers above.
    static LrSchedule parse(const std::string& name, int64_t total, int64_t warmup = 0, int64_t step_size = 0,
                            float gamma = 0.1f);

    // The multiplier of the base lr at t = 0, 1, 2, ... :
    //   Constant       1
    //   Step           gamma^floor(t / step_size)
    //   Cosine         m + (1 - m) (1 + cos(pi t / total)) / 2, held at m after total
    //   WarmupCosine   (t + 1) / warmup for t < warmup, then Cosine over t - warmup, total - warmup
    float factor(int64_t t) const;
    float lr(float base_lr, int64_t t) const { return base_lr * factor(t); }
    void apply(Optimizer& optimizer, int64_t t) const;
};

}  // namespace ct::nn
