// In-place ops (copy_, fill_, zero_, add_, sub_, mul_, div_, += -= *= /=, sigmoid_, tanh_, relu_): how
// optimizers and initializers write. They bump the storage's version counter so that backward detects
// tensors modified after saving.
#include <cstring>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/activation.hpp>

namespace tg {

void detail::check_inplace(std::string_view op, const Tensor& self) {
  detail::check_defined(op, "self", self);
  const Shape& sizes = self.sizes();
  const Shape& strides = self.strides();
  for (std::size_t d = 0; d < sizes.size(); ++d)
    check(sizes[d] <= 1 || strides[d] != 0, op, "the tensor of shape ", sizes, " with strides ", strides,
          " is an expanded view: several elements share one memory location; clone() it first");
  if (!GradMode::is_enabled() || !self.requires_grad()) return;
  check(!self.is_leaf(), op,
        "a leaf tensor that requires grad cannot be modified in place while grad mode is on; wrap the update "
        "in tg::NoGradGuard (as optimizers and initializers do)");
  check(false, op, "in-place modification of a tensor computed by ", self.grad_fn_name(),
        " is not supported while grad mode is on; use the out-of-place form (y = y.",
        op.substr(0, op.size() - 1), "(...))");
}

namespace {
using detail::check_inplace;

// Returns `other`, or a copy of it when it shares memory with self (x.copy_(x.t()) would otherwise read
// elements it has already overwritten).
Tensor checked_other(std::string_view op, const Tensor& self, const Tensor& other) {
  detail::check_defined(op, "other", other);
  // In-place ops record no history, so writing a differentiable value into self would silently drop its
  // gradient (PyTorch would record it; `loss += term` on a plain zeros() tensor is the common case).
  check(!GradMode::is_enabled() || !other.requires_grad(), op, "other requires grad (computed by ",
        other.grad_fn() ? other.grad_fn_name() : std::string("a leaf"),
        ") but in-place ops record no gradient history; use the out-of-place form (x = x.",
        op.substr(0, op.size() - 1),
        "(other)), or detach() other / use tg::NoGradGuard if no gradient "
        "should flow");
  if (other.sizes() != self.sizes()) {
    const Shape out = broadcast_shapes(op, self.sizes(), other.sizes());
    check(out == self.sizes(), op, "other of shape ", other.sizes(), " cannot be broadcast to self's shape ",
          self.sizes());
  }
  // Compared by memory, not Storage object: data() aliases the same memory through a second Storage.
  if (other.impl()->storage->data() != self.impl()->storage->data()) return other;
  Tensor copy = detail::make_contiguous(other.sizes(), other.dtype());
  kernels::copy(copy, other);
  return copy;
}

// self[i] = f(self[i], other[i]) with other broadcast to self's shape.
template <class F>
void update(std::string_view op, const Tensor& self, const Tensor& other, F f) {
  check(self.dtype() == other.dtype(), op, "self is ", self.dtype(), " but other is ", other.dtype());
  if (self.sizes() == other.sizes() && self.is_contiguous() && other.is_contiguous()) {
    kernels::dispatch_floating(op, self.dtype(), [&]<class T>() {
      T* out = static_cast<T*>(self.raw_data());
      const T* in = static_cast<const T*>(other.raw_data());
      const std::int64_t n = self.numel();
      kernels::parallel_for(n, n >= kernels::kParallelThreshold,
                            [&](std::int64_t i) { out[i] = static_cast<T>(f(out[i], in[i])); });
    });
    self.impl()->storage->bump_version();
    return;
  }
  const Shape other_strides = kernels::broadcast_strides(other, self.sizes());
  const Shape self_strides = self.strides();
  kernels::dispatch_floating(op, self.dtype(), [&]<class T>() {
    T* out = static_cast<T*>(self.raw_data());
    const T* in = static_cast<const T*>(other.raw_data());
    kernels::for_each_row<2>(self.sizes(), {self_strides.data(), other_strides.data()},
                             [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                                 const std::array<std::int64_t, 2>& step) {
                               T* row = out + offsets[0];
                               const T* source = in + offsets[1];
                               for (std::int64_t i = 0; i < count; ++i)
                                 row[i * step[0]] = static_cast<T>(f(row[i * step[0]], source[i * step[1]]));
                             });
  });
  self.impl()->storage->bump_version();
}

// self[i] = f(self[i]) for any dtype.
template <class F>
void update(const Tensor& self, F f) {
  const Shape strides = self.strides();
  kernels::dispatch(self.dtype(), [&]<class T>() {
    T* out = static_cast<T*>(self.raw_data());
    kernels::for_each_row<1>(self.sizes(), {strides.data()},
                             [&](const std::array<std::int64_t, 1>& offsets, std::int64_t count,
                                 const std::array<std::int64_t, 1>& step) {
                               T* row = out + offsets[0];
                               for (std::int64_t i = 0; i < count; ++i)
                                 row[i * step[0]] = static_cast<T>(f(row[i * step[0]]));
                             });
  });
  self.impl()->storage->bump_version();
}

}  // namespace

const Tensor& Tensor::copy_(const Tensor& source) const {
  check_inplace("copy_", *this);
  kernels::copy(*this, checked_other("copy_", *this, source));
  impl()->storage->bump_version();
  return *this;
}

const Tensor& Tensor::fill_(double value) const {
  check_inplace("fill_", *this);
  check_representable("fill_", value, dtype());
  update(*this, [value](auto) { return value; });
  return *this;
}

const Tensor& Tensor::zero_() const {
  check_inplace("zero_", *this);
  if (is_contiguous()) {
    std::memset(raw_data(), 0, static_cast<std::size_t>(numel()) * itemsize());
    impl()->storage->bump_version();
  } else {
    update(*this, [](auto) { return 0; });
  }
  return *this;
}

const Tensor& Tensor::add_(const Tensor& other, double alpha) const {
  check_inplace("add_", *this);
  // alpha == 1 (gradient accumulation) stays in the element type, so float loops vectorize; the result
  // is the same, as rounding a sum of two floats through double cannot differ from rounding it once.
  if (alpha == 1.0)
    update("add_", *this, checked_other("add_", *this, other), [](auto a, auto b) { return a + b; });
  else
    update("add_", *this, checked_other("add_", *this, other),
           [alpha](auto a, auto b) { return a + alpha * b; });
  return *this;
}

const Tensor& Tensor::sub_(const Tensor& other, double alpha) const { return add_(other, -alpha); }

const Tensor& Tensor::mul_(const Tensor& other) const {
  check_inplace("mul_", *this);
  update("mul_", *this, checked_other("mul_", *this, other), [](auto a, auto b) { return a * b; });
  return *this;
}

const Tensor& Tensor::add_(double value) const {
  check_inplace("add_", *this);
  detail::check_floating("add_", "self", *this);
  update(*this, [value](auto a) { return a + value; });
  return *this;
}

const Tensor& Tensor::sub_(double value) const { return add_(-value); }

const Tensor& Tensor::mul_(double value) const {
  check_inplace("mul_", *this);
  detail::check_floating("mul_", "self", *this);
  update(*this, [value](auto a) { return a * value; });
  return *this;
}

// ---- activations in place: the out-of-place op computes the values (it records nothing, since
// check_inplace has rejected every tensor it would record for), then they are copied back.
namespace {
const Tensor& assign_activation(std::string_view op, const Tensor& self,
                                Tensor (*activation)(const Tensor&)) {
  check_inplace(op, self);
  detail::check_floating(op, "self", self);
  kernels::copy(self, activation(self));
  self.impl()->storage->bump_version();
  return self;
}
}  // namespace

const Tensor& Tensor::sigmoid_() const { return assign_activation("sigmoid_", *this, tg::sigmoid); }
const Tensor& Tensor::tanh_() const { return assign_activation("tanh_", *this, tg::tanh); }
const Tensor& Tensor::relu_() const { return assign_activation("relu_", *this, tg::relu); }

}  // namespace tg

// ---- div_ and compound assignment (device helper's block)
namespace tg {
using detail::check_inplace;

const Tensor& Tensor::div_(const Tensor& other) const {
  check_inplace("div_", *this);
  update("div_", *this, checked_other("div_", *this, other), [](auto a, auto b) { return a / b; });
  return *this;
}

const Tensor& Tensor::div_(double value) const {
  check_inplace("div_", *this);
  detail::check_floating("div_", "self", *this);
  update(*this, [value](auto a) { return a / value; });
  return *this;
}

Tensor& Tensor::operator+=(const Tensor& other) {
  add_(other);
  return *this;
}
Tensor& Tensor::operator+=(double other) {
  add_(other);
  return *this;
}
Tensor& Tensor::operator-=(const Tensor& other) {
  sub_(other);
  return *this;
}
Tensor& Tensor::operator-=(double other) {
  sub_(other);
  return *this;
}
Tensor& Tensor::operator*=(const Tensor& other) {
  mul_(other);
  return *this;
}
Tensor& Tensor::operator*=(double other) {
  mul_(other);
  return *this;
}
Tensor& Tensor::operator/=(const Tensor& other) {
  div_(other);
  return *this;
}
Tensor& Tensor::operator/=(double other) {
  div_(other);
  return *this;
}

}  // namespace tg
