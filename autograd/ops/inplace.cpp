// In-place ops (copy_, fill_, zero_, add_, sub_, mul_, div_, += -= *= /=, sigmoid_, tanh_, relu_): how
// optimizers and initializers write, and how forwards write residual sums. They bump the storage's
// version counter so that backward detects tensors modified after saving.
#include <cstring>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>

namespace tg {

void detail::check_not_grad_leaf(std::string_view op, const Tensor& self) {
  check(!GradMode::is_enabled() || !self.is_leaf() || !self.requires_grad(), op,
        "a leaf Variable that requires grad is being used in an in-place operation (its .grad would "
        "refer to a value that no longer exists); wrap the update in tg::NoGradGuard, as optimizers and "
        "initializers do");
}

void detail::check_inplace(std::string_view op, const Tensor& self) {
  detail::check_defined(op, "self", self);
  const Shape& sizes = self.sizes();
  const Shape& strides = self.strides();
  for (std::size_t d = 0; d < sizes.size(); ++d)
    check(sizes[d] <= 1 || strides[d] != 0 || self.numel() == 0, op, "the tensor of shape ", sizes,
          " with strides ", strides,
          " is an expanded view: several elements share one memory location; clone() it first");
  if (!GradMode::is_enabled() || !self.requires_grad()) return;
  check_not_grad_leaf(op, self);
  check(false, op, "in-place modification of a tensor computed by ", self.grad_fn_name(),
        " is not supported while grad mode is on; use the out-of-place form (y = y.",
        op.substr(0, op.size() - 1), "(...))");
}

namespace {
using detail::check_inplace;

// An in-place op cannot grow self: other must broadcast to self's shape.
void check_broadcasts_to_self(std::string_view op, const Tensor& self, const Tensor& other) {
  if (other.sizes() == self.sizes()) return;
  const Shape out = broadcast_shapes(op, self.sizes(), other.sizes());
  check(out == self.sizes(), op, "other of shape ", other.sizes(), " cannot be broadcast to self's shape ",
        self.sizes());
}

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
  check_broadcasts_to_self(op, self, other);
  // Compared by memory, not Storage object: data() aliases the same memory through a second Storage.
  if (detail::impl_of(other)->storage->data() != detail::impl_of(self)->storage->data()) return other;
  Tensor copy = detail::make_contiguous(other.sizes(), other.dtype());
  kernels::copy(copy, other);
  return copy;
}

// self[i] = f(self[i], other[i]) for contiguous floating tensors of one shape and dtype.
template <class F>
void update_contiguous(std::string_view op, const Tensor& self, const Tensor& other, F f) {
  kernels::dispatch_floating(op, self.dtype(), [&]<class T>() {
    T* out = static_cast<T*>(self.raw_data());
    const T* in = static_cast<const T*>(other.raw_data());
    const std::int64_t n = self.numel();
    kernels::parallel_for(n, n >= kernels::kParallelThreshold,
                          [=](std::int64_t i) { out[i] = static_cast<T>(f(out[i], in[i])); });
  });
  detail::impl_of(self)->storage->bump_version();
}

// self[i] = f(self[i], other[i]) with other broadcast to self's shape.
template <class F>
void update(std::string_view op, const Tensor& self, const Tensor& other, F f) {
  check(self.dtype() == other.dtype(), op, "self is ", self.dtype(), " but other is ", other.dtype());
  if (self.sizes() == other.sizes() && self.is_contiguous() && other.is_contiguous()) {
    update_contiguous(op, self, other, f);
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
  detail::impl_of(self)->storage->bump_version();
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
  detail::impl_of(self)->storage->bump_version();
}

}  // namespace

namespace {
// Whether an in-place op must record itself: PyTorch records in-place ops on tensors with history.
bool records_history(const Tensor& self, const Tensor* other) {
  return GradMode::is_enabled() && (self.requires_grad() || (other != nullptr && other->requires_grad()));
}

// Writes `result`, the op computed out of place, into self (PyTorch's casting rule: the result type must
// be castable to self's dtype; the shape may not grow). With `record`, self takes over result's history.
const Tensor& assign_result(std::string_view op, const Tensor& self, const Tensor& result, bool record) {
  check(can_cast(result.dtype(), self.dtype()), op, "result type ", result.dtype(),
        " can't be cast to the desired output type ", self.dtype());
  check(result.sizes() == self.sizes(), op, "output with shape ", self.sizes(),
        " doesn't match the broadcast shape ", result.sizes());
  kernels::copy(self, result, op);
  detail::impl_of(self)->storage->bump_version();
  const Tensor recorded = record && result.dtype() != self.dtype() ? result.to(self.dtype()) : result;
  if (!record || !recorded.requires_grad()) return self;
  AutogradMeta& meta = detail::impl_of(self)->autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = recorded.grad_fn();
  meta.output_nr = recorded.output_nr();
  return self;
}

// `other`, or a copy of it when it is self (x.mul_(x)): the recorded node may save its inputs, and
// saving self, whose history then becomes that node, would be a reference cycle (a leak).
Tensor unaliased(const Tensor& self, const Tensor& other) {
  return detail::impl_of(other)->storage->data() == detail::impl_of(self)->storage->data() ? other.clone()
                                                                                           : other;
}

// The checks an in-place op with history needs before it runs: a leaf that requires grad stays
// unmodified (its .grad would refer to a value that no longer exists), and the new history can only
// move onto a tensor no view shares (views do not know their base, so theirs could not follow).
void check_recordable(std::string_view op, const Tensor& self) {
  detail::check_defined(op, "self", self);
  detail::check_not_grad_leaf(op, self);
  check(detail::impl_of(self)->storage.use_count() == 1, op,
        "self shares its storage with another tensor (a view or its base, or a copy an earlier op saved "
        "for its backward), so the in-place op cannot record its gradient; use the out-of-place form (x = x.",
        op.substr(0, op.size() - 1), "(...))");
}

// An in-place binary op: the fast loop for same-dtype floating tensors without history, otherwise the
// out-of-place op (promotion, integer arithmetic, autograd) written back into self. `needs_self` is
// true when the op's backward reads self's old value, which the in-place write would destroy.
template <class Fast, class OutOfPlace>
const Tensor& binary_inplace(std::string_view op, const Tensor& self, const Tensor& other, bool needs_self,
                             Fast fast, OutOfPlace out_of_place) {
  detail::check_defined(op, "other", other);
  detail::check_defined(op, "self", self);
  check_broadcasts_to_self(op, self, other);
  if (records_history(self, &other)) {
    check_recordable(op, self);
    return assign_result(op, self, out_of_place(needs_self ? self.clone() : self, unaliased(self, other)),
                         true);
  }
  check_inplace(op, self);
  if (self.dtype() == other.dtype() && is_floating_point(self.dtype())) {
    update(op, self, checked_other(op, self, other), fast);
    return self;
  }
  return assign_result(op, self, out_of_place(self, other), false);
}

template <class OutOfPlace>
const Tensor& scalar_inplace(std::string_view op, const Tensor& self, bool needs_self,
                             OutOfPlace out_of_place) {
  if (records_history(self, nullptr)) {
    check_recordable(op, self);
    return assign_result(op, self, out_of_place(needs_self ? self.clone() : self), true);
  }
  check_inplace(op, self);
  return assign_result(op, self, out_of_place(self), false);
}

Scalar times(const Scalar& value, const Scalar& alpha) {
  if (alpha == Scalar(1)) return value;
  if (value.isFloatingPoint() || alpha.isFloatingPoint()) return value.toDouble() * alpha.toDouble();
  return value.toLong() * alpha.toLong();
}
}  // namespace

const Tensor& Tensor::copy_(const Tensor& source) const {
  detail::check_defined("copy_", "source", source);
  if (records_history(*this, &source)) {
    // self's old value is overwritten, so only source receives a gradient (summed over the broadcast).
    check_recordable("copy_", *this);
    return assign_result("copy_", *this, unaliased(*this, source).to(dtype()).expand(sizes()).clone(), true);
  }
  check_inplace("copy_", *this);
  kernels::copy(*this, checked_other("copy_", *this, source));
  impl_->storage->bump_version();
  return *this;
}

const Tensor& Tensor::fill_(const Scalar& value) const {
  check_inplace("fill_", *this);
  if (value.isFloatingPoint()) check_representable("fill_", value.toDouble(), dtype());
  update(*this, [&value](auto element) { return value.to<decltype(element)>(); });
  return *this;
}

const Tensor& Tensor::fill_(const Tensor& value) const {
  detail::check_defined("fill_", "value", value);
  check(value.dim() == 0, "fill_", "only supports 0-dimension value tensor but got tensor with ", value.dim(),
        " dimensions");
  return fill_(value.item());
}

const Tensor& Tensor::zero_() const {
  check_inplace("zero_", *this);
  if (is_contiguous()) {
    std::memset(raw_data(), 0, static_cast<std::size_t>(numel()) * itemsize());
    impl_->storage->bump_version();
  } else {
    update(*this, [](auto) { return 0; });
  }
  return *this;
}

void detail::add_same_shape_(const Tensor& sum, const Tensor& term) {
  update_contiguous("add_", sum, term, [](auto x, auto y) { return x + y; });
}

const Tensor& Tensor::add_(const Tensor& other, const Scalar& alpha) const {
  // alpha == 1 (gradient accumulation) stays in the element type, so float loops vectorize; the result
  // is the same, as rounding a sum of two floats through double cannot differ from rounding it once.
  if (alpha.isFloatingPoint() || alpha.toLong() != 1) {
    const double a = alpha.toDouble();
    return binary_inplace(
        "add_", *this, other, false, [a](auto x, auto y) { return x + a * y; },
        [&alpha](const Tensor& x, const Tensor& y) { return tg::add(x, y, alpha); });
  }
  return binary_inplace(
      "add_", *this, other, false, [](auto x, auto y) { return x + y; },
      [](const Tensor& x, const Tensor& y) { return tg::add(x, y); });
}

const Tensor& Tensor::add_(const Scalar& other, const Scalar& alpha) const {
  const Scalar value = times(other, alpha);
  return scalar_inplace("add_", *this, false, [&value](const Tensor& x) { return tg::add(x, value); });
}

const Tensor& Tensor::sub_(const Tensor& other, const Scalar& alpha) const {
  check(!other.defined() || other.dtype() != Dtype::Bool, "sub_",
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
        "mask, use the `~` or `logical_not()` operator instead.");
  return add_(other, -alpha);
}

const Tensor& Tensor::sub_(const Scalar& other, const Scalar& alpha) const { return add_(other, -alpha); }

const Tensor& Tensor::mul_(const Tensor& other) const {
  return binary_inplace(
      "mul_", *this, other, true, [](auto x, auto y) { return x * y; },
      [](const Tensor& x, const Tensor& y) { return tg::mul(x, y); });
}

const Tensor& Tensor::mul_(const Scalar& other) const {
  return scalar_inplace("mul_", *this, false, [&other](const Tensor& x) { return tg::mul(x, other); });
}

// ---- activations in place: the out-of-place op computes the values (it records nothing, since
// check_inplace has rejected every tensor it would record for), then they are copied back.
namespace {
const Tensor& assign_activation(std::string_view op, const Tensor& self,
                                Tensor (*activation)(const Tensor&)) {
  check_inplace(op, self);
  detail::check_floating(op, "self", self);
  kernels::copy(self, activation(self));
  detail::impl_of(self)->storage->bump_version();
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
  return binary_inplace(
      "div_", *this, other, true, [](auto x, auto y) { return x / y; },
      [](const Tensor& x, const Tensor& y) { return tg::div(x, y); });
}

const Tensor& Tensor::div_(const Scalar& other) const {
  return scalar_inplace("div_", *this, false, [&other](const Tensor& x) { return tg::div(x, other); });
}

const Tensor& Tensor::div_(const Tensor& other, std::optional<std::string_view> rounding_mode) const {
  if (!rounding_mode) return div_(other);
  return binary_inplace(
      "div_", *this, other, true, [](auto x, auto y) { return x / y; },
      [rounding_mode](const Tensor& x, const Tensor& y) { return tg::div(x, y, rounding_mode); });
}

const Tensor& Tensor::div_(const Scalar& other, std::optional<std::string_view> rounding_mode) const {
  return scalar_inplace("div_", *this, false, [&other, rounding_mode](const Tensor& x) {
    return tg::div(x, other, rounding_mode);
  });
}

Tensor& Tensor::operator+=(const Tensor& other) {
  add_(other);
  return *this;
}
Tensor& Tensor::operator+=(const Scalar& other) {
  add_(other);
  return *this;
}
Tensor& Tensor::operator-=(const Tensor& other) {
  sub_(other);
  return *this;
}
Tensor& Tensor::operator-=(const Scalar& other) {
  sub_(other);
  return *this;
}
Tensor& Tensor::operator*=(const Tensor& other) {
  mul_(other);
  return *this;
}
Tensor& Tensor::operator*=(const Scalar& other) {
  mul_(other);
  return *this;
}
Tensor& Tensor::operator/=(const Tensor& other) {
  div_(other);
  return *this;
}
Tensor& Tensor::operator/=(const Scalar& other) {
  div_(other);
  return *this;
}

}  // namespace tg
