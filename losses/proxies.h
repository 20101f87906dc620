// Proxy-based metric learning: a loss that owns one trainable vector per class (ProxyAnchor's and
// ProxyNCA's proxies, ArcFace's and CosFace's class weights), as pytorch-metric-learning's losses
// with parameters. The formulas are in proxy_anchor.h, proxy_nca.h and margin_softmax.h; this file
// holds the module that owns the proxies and the input checks the four losses share.
#pragma once
#include <string>
#include <vector>

#include "core/ops.h"
#include "nn/module.h"

namespace ct {

class Generator;

enum class ProxyLossKind { ProxyAnchor, ProxyNCA, ArcFace, CosFace };
const std::vector<std::string>& proxy_loss_names();   // "proxy-anchor", "proxy-nca", "arcface", "cosface"
ProxyLossKind proxy_loss_kind(const std::string& name);   // ValueError naming the choices

// margin: ProxyAnchor's delta, ArcFace's angle (radians), CosFace's cosine margin (ProxyNCA: unused).
// scale: ProxyAnchor's alpha, the softmax scale of the others. The defaults are the papers'.
struct ProxyLossOptions {
    float margin = 0.1f;
    float scale = 32.f;
    static ProxyLossOptions defaults(ProxyLossKind kind);   // pml's defaults for each loss
};

// The loss with its proxies:(C,D) as the parameter "proxies", drawn from gen as pml does:
// N(0, 2/C) (kaiming_normal_, fan_out) for ProxyAnchor, N(0, 1) for the others. Every loss
// L2-normalises both embeddings and proxies, so only the directions matter.
class ProxyLoss : public nn::Module {
public:
    ProxyLoss(ProxyLossKind kind, int64_t num_classes, int64_t dim, const ProxyLossOptions& options, Generator& gen);
    // embeddings:(N,D), labels:N in [0, C) -> ()
    Tensor loss(const Tensor& embeddings, const std::vector<int64_t>& labels) const;
    Tensor forward(const Tensor& x) override;   // refused: a proxy loss needs labels (call loss())
    std::string type_name() const override;
    std::string extra_repr() const override;

    ProxyLossKind kind;
    ProxyLossOptions options;
    Tensor proxies;   // (C,D)
};

namespace detail {
// The checks every proxy loss makes: embeddings (N,D) and proxies (C,D) with the same D, N labels,
// each a class of the proxies. Errors name `op`, the shapes and the first bad label.
void check_proxy_inputs(const char* op, const Tensor& embeddings, const std::vector<int64_t>& labels,
                        const Tensor& proxies);
// 0/1 mask (N,C): row i has a 1 at labels[i].
Tensor one_hot(const std::vector<int64_t>& labels, int64_t num_classes);
}  // namespace detail

}  // namespace ct
