// The proxy-loss module, its names and defaults, and the shared input checks. See proxies.h.
#include "losses/proxies.h"

#include <cmath>
#include <sstream>

#include "core/random.h"
#include "losses/margin_softmax.h"
#include "losses/proxy_anchor.h"
#include "losses/proxy_nca.h"
#include "nn/init.h"

namespace ct {

const std::vector<std::string>& proxy_loss_names() {
    static const std::vector<std::string> v{"proxy-anchor", "proxy-nca", "arcface", "cosface"};
    return v;
}

ProxyLossKind proxy_loss_kind(const std::string& name) {
    const auto& names = proxy_loss_names();
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return ProxyLossKind(i);
    CT_THROW(ValueError, "proxy loss '" << name << "' is not one of: proxy-anchor|proxy-nca|arcface|cosface");
}

ProxyLossOptions ProxyLossOptions::defaults(ProxyLossKind kind) {
    switch (kind) {
    case ProxyLossKind::ProxyAnchor: return {ProxyAnchorOptions{}.delta, ProxyAnchorOptions{}.alpha};
    case ProxyLossKind::ProxyNCA: return {0.f, ProxyNCAOptions{}.softmax_scale};
    case ProxyLossKind::ArcFace: return {ArcFaceOptions{}.margin, ArcFaceOptions{}.scale};
    case ProxyLossKind::CosFace: return {CosFaceOptions{}.margin, CosFaceOptions{}.scale};
    }
    return {};
}

ProxyLoss::ProxyLoss(ProxyLossKind k, int64_t num_classes, int64_t dim, const ProxyLossOptions& o, Generator& gen)
    : kind(k), options(o) {
    CT_CHECK_AS(ValueError, num_classes >= 2 && dim >= 1,
                type_name() << ": needs at least 2 classes and dimension >= 1, got " << num_classes << " x " << dim);
    Tensor p = Tensor::empty({num_classes, dim});
    const float stddev = kind == ProxyLossKind::ProxyAnchor ? std::sqrt(2.f / float(num_classes)) : 1.f;
    nn::normal_(p, 0.f, stddev, gen);
    proxies = register_parameter("proxies", p);
}

Tensor ProxyLoss::loss(const Tensor& x, const std::vector<int64_t>& labels) const {
    switch (kind) {
    case ProxyLossKind::ProxyAnchor: return proxy_anchor_loss(x, labels, proxies, {options.scale, options.margin});
    case ProxyLossKind::ProxyNCA: return proxy_nca_loss(x, labels, proxies, {options.scale});
    case ProxyLossKind::ArcFace: return arcface_loss(x, labels, proxies, {options.margin, options.scale});
    case ProxyLossKind::CosFace: return cosface_loss(x, labels, proxies, {options.margin, options.scale});
    }
    return Tensor();
}

Tensor ProxyLoss::forward(const Tensor&) {
    CT_THROW(ShapeError, type_name() << ": a proxy loss needs the labels: call loss(embeddings, labels)");
}

std::string ProxyLoss::type_name() const {
    switch (kind) {
    case ProxyLossKind::ProxyAnchor: return "ProxyAnchorLoss";
    case ProxyLossKind::ProxyNCA: return "ProxyNCALoss";
    case ProxyLossKind::ArcFace: return "ArcFaceLoss";
    case ProxyLossKind::CosFace: return "CosFaceLoss";
    }
    return "ProxyLoss";
}

std::string ProxyLoss::extra_repr() const {
    std::ostringstream os;
    os << proxies.size(0) << " classes, dim " << proxies.size(1) << ", margin " << options.margin << ", scale "
       << options.scale;
    return os.str();
}

namespace detail {

void check_proxy_inputs(const char* op, const Tensor& x, const std::vector<int64_t>& labels, const Tensor& proxies) {
    CT_CHECK(x.defined() && proxies.defined(), op << ": got an undefined tensor");
    CT_CHECK(x.dim() == 2 && proxies.dim() == 2 && x.size(1) == proxies.size(1) && x.size(0) > 0,
             op << ": embeddings " << x.shape() << " and proxies " << proxies.shape()
                << " must be (N,D) and (C,D) with the same D and N >= 1");
    CT_CHECK(x.size(0) == int64_t(labels.size()),
             op << ": " << labels.size() << " labels for " << x.size(0) << " embeddings " << x.shape());
    const int64_t C = proxies.size(0);
    for (size_t i = 0; i < labels.size(); ++i)
        CT_CHECK_AS(ValueError, labels[i] >= 0 && labels[i] < C,
                    op << ": label " << labels[i] << " of row " << i << " is not a class of the " << C
                       << " proxies (0.." << C - 1 << ")");
}

Tensor one_hot(const std::vector<int64_t>& labels, int64_t num_classes) {
    Tensor m = Tensor::zeros({int64_t(labels.size()), num_classes});
    for (size_t i = 0; i < labels.size(); ++i) m.data()[int64_t(i) * num_classes + labels[i]] = 1.f;
    return m;
}

}  // namespace detail
}  // namespace ct
