// Tensor: a cheap handle to shared float32 storage. Copying a Tensor shares the data (like a
// PyTorch tensor variable); use clone() for a copy. Data is contiguous row-major, up to 5 dims.
// Ops live in core/ops.h, the graph machinery in core/autograd.h.
//
// Dimension letters used in shape comments across contrast:
//   N batch, C channels, H W spatial, K kernel, IN OUT features, D embedding, B batch of matrices.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/check.h"

namespace ct {

using Shape = std::vector<int64_t>;
std::string to_string(const Shape& shape);              // "[32, 64]"
std::ostream& operator<<(std::ostream& os, const Shape& shape);
int64_t numel_of(const Shape& shape);

class Generator;
struct Node;
class Tensor;

namespace detail {

// Storage owns one pool block (core/memory.h); views such as reshape share it.
struct Storage {
    explicit Storage(int64_t numel);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    float* data = nullptr;
    size_t capacity_bytes = 0;
};

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    int64_t numel = 0;
    bool requires_grad = false;
    std::shared_ptr<TensorImpl> grad;   // .grad of a leaf; an in-flight gradient during backward
    std::shared_ptr<Node> grad_fn;      // the op that produced this tensor (null for leaves)
};

}  // namespace detail

class Tensor {
public:
    Tensor() = default;   // an undefined handle (e.g. "no bias")

    // ---- factories (all contiguous; random ones draw from an explicit generator)
    static Tensor empty(const Shape& shape);
    static Tensor zeros(const Shape& shape);
    static Tensor ones(const Shape& shape);
    static Tensor full(const Shape& shape, float value);
    static Tensor scalar(float value) { return full({}, value); }
    static Tensor arange(float end) { return arange(0.f, end, 1.f); }
    static Tensor arange(float start, float end, float step = 1.f);
    static Tensor eye(int64_t n);
    static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
    static Tensor from_vector(const std::vector<float>& values) {
        return from_vector(values, {int64_t(values.size())});
    }
    static Tensor rand(const Shape& shape, Generator& gen);                   // U[0, 1)
    static Tensor randn(const Shape& shape, Generator& gen);                  // N(0, 1)
    static Tensor uniform(const Shape& shape, float lo, float hi, Generator& gen);

    // ---- shape and data
    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    int64_t dim() const { return int64_t(shape().size()); }
    int64_t size(int64_t d) const;       // negative d counts from the end
    int64_t numel() const;
    float* data() const;                 // handle semantics: a const handle still shares the data
    float item() const;                  // the value of a one-element tensor
    float at(std::initializer_list<int64_t> index) const;
    float& at(std::initializer_list<int64_t> index);
    std::vector<float> to_vector() const;
    std::string repr() const;            // like PyTorch: tensor([...], shape=[..], grad_fn=<op>)

    // ---- autograd
    bool requires_grad() const;
    Tensor& requires_grad_(bool on = true);   // only on leaves
    bool is_leaf() const;
    Tensor grad() const;                 // undefined until a backward reaches this leaf
    void set_grad(const Tensor& g);
    void zero_grad();                    // drops .grad (like PyTorch's set_to_none)
    Tensor detach() const;               // same data, no graph
    Tensor clone() const;                // a copy of the data, no graph
    void copy_(const Tensor& src);       // overwrite the data in place (no graph; for optimizers)
    void backward() const;               // of a one-element tensor
    void backward(const Tensor& grad_output) const;
    const std::shared_ptr<Node>& grad_fn() const;

    bool same(const Tensor& other) const { return impl_ == other.impl_; }
    detail::TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<detail::TensorImpl>& impl_ptr() const { return impl_; }
    explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

private:
    int64_t flat_index(std::initializer_list<int64_t> index) const;
    std::shared_ptr<detail::TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// A tensor of the given shape sharing t's storage (reshape and view are built on it).
Tensor alias_with_shape(const Tensor& t, const Shape& shape);

}  // namespace ct
