// Tensor handle, factories and printing. Storage comes from the caching pool (core/memory.h).
#include "core/tensor.h"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/autograd.h"
#include "core/memory.h"
#include "core/random.h"

namespace ct {

std::string to_string(const Shape& shape) {
    std::ostringstream os;
    os << '[';
    for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    os << ']';
    return os.str();
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << to_string(shape); }

int64_t numel_of(const Shape& shape) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

namespace detail {
Storage::Storage(int64_t numel) { data = pool_allocate(size_t(std::max<int64_t>(numel, 1)), capacity_bytes); }
Storage::~Storage() { pool_free(data, capacity_bytes); }
}  // namespace detail

Tensor Tensor::empty(const Shape& shape) {
    CT_CHECK(shape.size() <= 5, "tensor: at most 5 dimensions are supported, got " << shape);
    for (int64_t s : shape) CT_CHECK(s >= 0, "tensor: negative size in shape " << shape);
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->shape = shape;
    impl->numel = numel_of(shape);
    impl->storage = std::make_shared<detail::Storage>(impl->numel);
    return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.f); }
Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.f); }

Tensor Tensor::full(const Shape& shape, float value) {
    Tensor t = empty(shape);
    float* p = t.data();
    const int64_t n = t.numel();
    if (value == 0.f) std::memset(p, 0, size_t(n) * sizeof(float));
    else for (int64_t i = 0; i < n; ++i) p[i] = value;
    return t;
}

Tensor Tensor::arange(float start, float end, float step) {
    CT_CHECK(step != 0.f && (end - start) / step >= 0,
             "arange: empty or infinite range from " << start << " to " << end << " by " << step);
    const int64_t n = int64_t(std::ceil((end - start) / step));
    Tensor t = empty({n});
    for (int64_t i = 0; i < n; ++i) t.data()[i] = start + float(i) * step;
    return t;
}

Tensor Tensor::eye(int64_t n) {
    Tensor t = zeros({n, n});
    for (int64_t i = 0; i < n; ++i) t.data()[i * n + i] = 1.f;
    return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
    CT_CHECK(int64_t(values.size()) == numel_of(shape),
             "from_vector: " << values.size() << " values do not fill shape " << shape);
    Tensor t = empty(shape);
    if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
    return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen) { return uniform(shape, 0.f, 1.f, gen); }

Tensor Tensor::randn(const Shape& shape, Generator& gen) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = gen.normal();
    return t;
}

Tensor Tensor::uniform(const Shape& shape, float lo, float hi, Generator& gen) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = gen.uniform(lo, hi);
    return t;
}

static const detail::TensorImpl& must(const std::shared_ptr<detail::TensorImpl>& impl) {
    CT_CHECK(impl != nullptr, "tensor: use of an undefined tensor");
    return *impl;
}

const Shape& Tensor::shape() const { return must(impl_).shape; }
int64_t Tensor::numel() const { return must(impl_).numel; }
float* Tensor::data() const { return must(impl_).storage->data; }

int64_t Tensor::size(int64_t d) const {
    const int64_t n = dim();
    CT_CHECK(d >= -n && d < n, "size: dimension " << d << " out of range for shape " << shape());
    return shape()[size_t(d < 0 ? d + n : d)];
}

float Tensor::item() const {
    CT_CHECK(numel() == 1, "item: needs a one-element tensor, got shape " << shape());
    return data()[0];
}

int64_t Tensor::flat_index(std::initializer_list<int64_t> index) const {
    CT_CHECK(int64_t(index.size()) == dim(),
             "at: " << index.size() << " indices for a tensor of shape " << shape());
    int64_t flat = 0, d = 0;
    for (int64_t i : index) {
        CT_CHECK(i >= 0 && i < shape()[size_t(d)],
                 "at: index " << i << " out of range for dimension " << d << " of shape " << shape());
        flat = flat * shape()[size_t(d)] + i;
        ++d;
    }
    return flat;
}

float Tensor::at(std::initializer_list<int64_t> index) const { return data()[flat_index(index)]; }
float& Tensor::at(std::initializer_list<int64_t> index) { return data()[flat_index(index)]; }

std::vector<float> Tensor::to_vector() const { return std::vector<float>(data(), data() + numel()); }

bool Tensor::requires_grad() const { return must(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
    CT_CHECK(is_leaf(), "requires_grad_: only leaf tensors can change requires_grad "
                        "(this one was computed by " << grad_fn()->name << ")");
    impl_->requires_grad = on;
    return *this;
}

bool Tensor::is_leaf() const { return must(impl_).grad_fn == nullptr; }
Tensor Tensor::grad() const { return Tensor(must(impl_).grad); }

void Tensor::set_grad(const Tensor& g) {
    CT_CHECK(!g.defined() || g.shape() == shape(),
             "set_grad: gradient " << g.shape() << " does not match tensor " << shape());
    impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() { must(impl_); impl_->grad.reset(); }

const std::shared_ptr<Node>& Tensor::grad_fn() const { return must(impl_).grad_fn; }

Tensor alias_with_shape(const Tensor& t, const Shape& shape) {
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->storage = t.impl()->storage;
    impl->shape = shape;
    impl->numel = numel_of(shape);
    return Tensor(std::move(impl));
}

Tensor Tensor::detach() const { return alias_with_shape(*this, shape()); }

Tensor Tensor::clone() const {
    Tensor t = empty(shape());
    std::memcpy(t.data(), data(), size_t(numel()) * sizeof(float));
    return t;
}

void Tensor::copy_(const Tensor& src) {
    CT_CHECK(src.numel() == numel(), "copy_: source " << src.shape() << " does not match " << shape());
    std::memmove(data(), src.data(), size_t(numel()) * sizeof(float));
}

// ---- printing, in the style of PyTorch's repr: 4 decimals, or scientific when values span widely;
// more than 1000 elements are summarised with the first and last three entries of each dimension.
namespace {

struct Printer {
    const float* data;
    const Shape& shape;
    bool summarize;
    bool scientific;
    int width;
    std::ostream& os;

    std::string format(float v) const {
        std::ostringstream s;
        if (std::isnan(v)) s << "nan";
        else if (std::isinf(v)) s << (v > 0 ? "inf" : "-inf");
        else if (scientific) s << std::scientific << std::setprecision(4) << v;
        else s << std::fixed << std::setprecision(4) << v;
        return s.str();
    }

    void print(size_t d, int64_t offset, int indent) {
        const int64_t n = shape[d];
        int64_t stride = 1;
        for (size_t k = d + 1; k < shape.size(); ++k) stride *= shape[k];
        os << '[';
        for (int64_t i = 0; i < n; ++i) {
            if (summarize && n > 6 && i == 3) {
                os << (d + 1 == shape.size() ? "..., " : "...,\n" + std::string(size_t(indent + 1), ' '));
                i = n - 3;
            }
            if (d + 1 == shape.size()) {
                os << std::setw(width) << format(data[offset + i]);
            } else {
                print(d + 1, offset + i * stride, indent + 1);
            }
            if (i + 1 < n) {
                os << ',';
                if (d + 1 == shape.size()) os << ' ';
                else os << std::string(shape.size() - d - 1, '\n') << std::string(size_t(indent + 1), ' ');
            }
        }
        os << ']';
    }
};

}  // namespace

std::string Tensor::repr() const {
    if (!defined()) return "tensor(undefined)";
    std::ostringstream os;
    const float* p = data();
    float max_abs = 0.f;
    bool finite = true;
    for (int64_t i = 0; i < numel(); ++i) {
        if (!std::isfinite(p[i])) { finite = false; continue; }
        max_abs = std::max(max_abs, std::fabs(p[i]));
    }
    const bool scientific = finite && max_abs != 0.f && (max_abs >= 1e5f || max_abs < 1e-3f);
    os << "tensor(";
    if (dim() == 0) {
        Printer pr{p, shape(), false, scientific, 0, os};
        os << pr.format(p[0]);
    } else {
        Printer pr{p, shape(), numel() > 1000, scientific, 0, os};
        size_t w = 0;
        for (int64_t i = 0; i < numel(); ++i) w = std::max(w, pr.format(p[i]).size());
        pr.width = int(w);
        pr.print(0, 0, 7);
    }
    os << ", shape=" << shape();
    if (grad_fn()) os << ", grad_fn=<" << grad_fn()->name << '>';
    else if (requires_grad()) os << ", requires_grad=True";
    os << ')';
    return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.repr(); }

}  // namespace ct
