#include <algorithm>
#include <cmath>
#include <type_traits>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {
void check_binary(std::string_view op, const Tensor& a, const Tensor& b) {
  detail::check_defined(op, "self", a);
  detail::check_defined(op, "other", b);
}

// The result dtype of a op b as PyTorch's result_type (0-d tensors count less than tensors with dims).
Dtype result_dtype(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype()) return a.dtype();  // the common case: nothing to promote
  return ResultType().tensor(a.dtype(), a.dim() == 0).tensor(b.dtype(), b.dim() == 0).result();
}
Dtype result_dtype(const Tensor& a, const Scalar& b) {
  return ResultType().tensor(a.dtype(), false).number(b.type()).result();
}
Tensor converted(const Tensor& x, Dtype dtype) { return x.dtype() == dtype ? x : x.to(dtype); }

// Two's-complement wrap-around as PyTorch's integer kernels give it, without signed overflow (UB): the
// arithmetic is done on uint64 and converted back (modular since C++20).
std::int64_t wrapping_add(std::int64_t x, std::int64_t y) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) + static_cast<std::uint64_t>(y));
}
std::int64_t wrapping_mul(std::int64_t x, std::int64_t y) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) * static_cast<std::uint64_t>(y));
}

// Integer and bool arithmetic: no gradients, wrap-around as in PyTorch (computed in int64, stored back).
template <class F>
Tensor integer_zip(std::string_view op, const Tensor& a, const Tensor& b, F f) {
  return kernels::zip<kernels::Types::All>(op, a, b, [f](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>)
      return static_cast<bool>(f(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y)));
    else
      return static_cast<T>(f(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y)));
  });
}

bool any_zero(const Tensor& x) {
  return kernels::dispatch(x.dtype(), [&]<class T>() {
    const Tensor values = x.contiguous();
    const T* data = static_cast<const T*>(values.raw_data());
    return std::any_of(data, data + values.numel(), [](T v) { return v == T(0); });
  });
}

void check_integral_alpha(std::string_view op, Dtype dtype, const Scalar& alpha) {
  check(is_floating_point(dtype) || !alpha.isFloatingPoint(), op,
        "for integral input tensors, argument alpha must not be a floating point number, got ", alpha);
}
}  // namespace

// ---- add / sub: d(a + alpha*b)/da = 1, d/db = alpha; broadcast dims are summed back by sum_to.
struct AddBackward : Node {
  double alpha = 1.0;
  std::string_view name() const override { return "AddBackward"; }
  tensor_list apply(tensor_list&& g) override {
    // The result reuses the incoming list's heap block (the engine recycles lists, so it usually has
    // room for two): no list allocation per node.
    const Tensor grad = std::move(g[0]);
    tensor_list out = std::move(g);
    out.resize(2);
    if (needs_input_grad(0)) out[0] = sum_to(grad, input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(alpha == 1.0 ? grad : grad * alpha, input_meta()[1].sizes);
    return out;
  }
};

// leaf + bias (or leaf - bias), both requiring grad, the bias's shape the leaf's trailing dims.
// When the leaf's AccumulateGrad would store a copy of the incoming gradient (the caller keeps it, as
// a training loop does not but a benchmark or backward(grad) does), one pass over the gradient writes
// that copy and the bias's column sums, instead of a pass for the sums and a copy (read + write) in
// AccumulateGrad: 8 bytes of traffic per element instead of 12. The leaf gets a buffer of its own
// either way and the sums are the same (kernels::column_sums). grad() runs no AccumulateGrad but gets
// the copy too (same values; the cost of one write, on this pattern only).
struct AddBiasToLeafBackward final : AddBackward {
  static bool fits(const Tensor& leaf, const Tensor& bias, double alpha) {
    if (bias.dim() == 0 || leaf.dim() <= bias.dim() || (alpha != 1.0 && alpha != -1.0)) return false;
    if (!leaf.is_leaf() || !leaf.requires_grad() || !bias.requires_grad()) return false;
    const auto lead = static_cast<std::ptrdiff_t>(leaf.dim() - bias.dim());
    return std::equal(bias.sizes().begin(), bias.sizes().end(), leaf.sizes().begin() + lead);
  }

  tensor_list apply(tensor_list&& g) override {
    const Tensor& grad = g[0];
    if (!grad.is_contiguous() || grad.sizes() != input_meta()[0].sizes ||
        !leaf_accumulator().stores_copy_of(grad))
      return AddBackward::apply(std::move(g));
    const Shape& full = input_meta()[0].sizes;
    const Shape& bias = input_meta()[1].sizes;
    std::int64_t columns = 1;
    for (const std::int64_t size : bias) columns *= size;
    Tensor copy = detail::make_contiguous(full, grad.dtype());
    Tensor sums = detail::make_contiguous(bias, grad.dtype());
    kernels::column_sums(grad, columns == 0 ? 0 : grad.numel() / columns, columns, sums, copy);
    tensor_list out(2);
    out[0] = std::move(copy);
    out[1] = alpha == 1.0 ? std::move(sums) : neg(sums);  // negation is exact: as sum_to(-grad)
    return out;
  }

 private:
  // The leaf's edge, set by record() from a leaf that requires grad, is its accumulator.
  const autograd::AccumulateGrad& leaf_accumulator() const {
    return static_cast<const autograd::AccumulateGrad&>(*next_edges()[0].function);
  }
};

// Records the node for out = a + alpha * b.
void record_add(const Tensor& a, const Tensor& b, const Tensor& out, double alpha) {
  if (!GradMode::is_enabled()) return;  // nothing is recorded: skip the pattern test and record's checks
  const bool bias_to_leaf = AddBiasToLeafBackward::fits(a, b, alpha);
  AddBackward* node =
      bias_to_leaf ? record<AddBiasToLeafBackward>({a, b}, {out}) : record<AddBackward>({a, b}, {out});
  if (node != nullptr) node->alpha = alpha;
}

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha_scalar) {
  check_binary("add", a, b);
  const Dtype dtype = result_dtype(a, b);
  if (a.dtype() != dtype || b.dtype() != dtype)
    return add(converted(a, dtype), converted(b, dtype), alpha_scalar);
  check_integral_alpha("add", dtype, alpha_scalar);
  if (!is_floating_point(dtype)) {
    const std::int64_t alpha = alpha_scalar.toLong();
    return integer_zip("add", a, b, [alpha](std::int64_t x, std::int64_t y) {
      return wrapping_add(x, wrapping_mul(alpha, y));
    });
  }
  const double alpha = alpha_scalar.toDouble();
  Tensor out = alpha == 1.0 ? kernels::zip("add", a, b, [](auto x, auto y) { return x + y; })
                            : kernels::zip("add", a, b, [alpha](auto x, auto y) { return x + alpha * y; });
  record_add(a, b, out, alpha);
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha_scalar) {
  check_binary("sub", a, b);
  const Dtype dtype = result_dtype(a, b);
  check(a.dtype() != kBool || b.dtype() != kBool, "sub",
        "subtraction, the `-` operator, with two bool tensors is not supported; use the `^` or logical_xor() "
        "operator instead");
  if (a.dtype() != dtype || b.dtype() != dtype)
    return sub(converted(a, dtype), converted(b, dtype), alpha_scalar);
  check_integral_alpha("sub", dtype, alpha_scalar);
  if (!is_floating_point(dtype)) {
    const std::int64_t alpha = alpha_scalar.toLong();
    return integer_zip("sub", a, b, [alpha](std::int64_t x, std::int64_t y) {
      return wrapping_add(x, wrapping_mul(-alpha, y));
    });
  }
  const double alpha = alpha_scalar.toDouble();
  Tensor out = kernels::zip("sub", a, b, [alpha](auto x, auto y) { return x - alpha * y; });
  record_add(a, b, out, -alpha);
  return out;
}

// ---- mul: d(a*b)/da = b, d(a*b)/db = a; each side is saved only if the other needs a gradient.
struct MulBackward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "MulBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * b.unpack(*this), input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(g[0] * a.unpack(*this), input_meta()[1].sizes);
    return out;
  }
};

Tensor mul(const Tensor& a, const Tensor& b) {
  check_binary("mul", a, b);
  const Dtype dtype = result_dtype(a, b);
  if (a.dtype() != dtype || b.dtype() != dtype) return mul(converted(a, dtype), converted(b, dtype));
  if (!is_floating_point(dtype))
    return integer_zip("mul", a, b, [](std::int64_t x, std::int64_t y) { return wrapping_mul(x, y); });
  Tensor out = kernels::zip("mul", a, b, [](auto x, auto y) { return x * y; });
  if (auto* node = record<MulBackward>({a, b}, {out})) {
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

// ---- div: d(a/b)/da = 1/b, d(a/b)/db = -a/b^2.
struct DivBackward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "DivBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    Tensor denominator = b.unpack(*this);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] / denominator, input_meta()[0].sizes);
    if (needs_input_grad(1))
      out[1] = sum_to(-g[0] * a.unpack(*this) / (denominator * denominator), input_meta()[1].sizes);
    return out;
  }
};

Tensor div(const Tensor& a, const Tensor& b) {
  check_binary("div", a, b);
  Dtype dtype = result_dtype(a, b);
  if (!is_floating_point(dtype)) dtype = get_default_dtype();  // true division of integers
  if (a.dtype() != dtype || b.dtype() != dtype) return div(converted(a, dtype), converted(b, dtype));
  Tensor out = kernels::zip("div", a, b, [](auto x, auto y) { return x / y; });
  if (auto* node = record<DivBackward>({a, b}, {out})) {
    node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

// ---- div with a rounding mode: no gradient to pass on (the result is piecewise constant in both).
namespace {
struct RoundedDivBackward final : Node {
  Shape a_sizes, b_sizes;
  Dtype a_dtype = kFloat32, b_dtype = kFloat32;
  std::string_view name() const override { return "DivBackward"; }
  // Zeros rather than undefined gradients, so that leaves get a .grad of zeros as in PyTorch.
  tensor_list apply(tensor_list&&) override {
    return {needs_input_grad(0) ? zeros(a_sizes, a_dtype) : Tensor(),
            needs_input_grad(1) ? zeros(b_sizes, b_dtype) : Tensor()};
  }
};

template <class T>
T rounded_quotient(T x, T y, bool floor) {
  if constexpr (std::is_floating_point_v<T>) {
    const T q = x / y;
    return floor ? std::floor(q) : std::trunc(q);
  } else {
    const T q = static_cast<T>(x / y);  // C++ integer division truncates
    return floor && (x % y != 0) && ((x < 0) != (y < 0)) ? static_cast<T>(q - 1) : q;
  }
}
}  // namespace

Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return div(a, b);
  check(*rounding_mode == "trunc" || *rounding_mode == "floor", "div",
        "expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *rounding_mode, "'");
  check_binary("div", a, b);
  Dtype dtype = result_dtype(a, b);
  if (dtype == kBool) dtype = kInt64;
  if (a.dtype() != dtype || b.dtype() != dtype)
    return div(converted(a, dtype), converted(b, dtype), rounding_mode);
  const bool floor = *rounding_mode == "floor";
  if (!is_floating_point(dtype)) {
    check(!any_zero(b), "div", "ZeroDivisionError: integer division by zero");
    return kernels::zip<kernels::Types::All>("div", a, b, [floor](auto x, auto y) {
      if constexpr (std::is_floating_point_v<decltype(x)> || std::is_same_v<decltype(x), bool>)
        return x;  // not reached
      else
        return rounded_quotient(x, y, floor);
    });
  }
  Tensor out = kernels::zip("div", a, b, [floor](auto x, auto y) { return rounded_quotient(x, y, floor); });
  if (auto* node = record<RoundedDivBackward>({a, b}, {out})) {
    node->a_sizes = a.sizes();
    node->b_sizes = b.sizes();
    node->a_dtype = a.dtype();
    node->b_dtype = b.dtype();
  }
  return out;
}

Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return a / b;
  // The number as a 0-d tensor that promotes like a number: floating numbers as the default dtype.
  const Tensor divisor =
      b.isFloatingPoint()
          ? full({}, b.toDouble(), get_default_dtype())
          : tensor(std::vector<std::int64_t>{b.toLong()}, IntArrayRef{}).to(b.isBoolean() ? kBool : kInt64);
  return div(a, divisor, rounding_mode);
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return div(a, b, "floor"); }

Dtype result_type(const Tensor& a, const Tensor& b) { return result_dtype(a, b); }
Dtype result_type(const Tensor& a, const Scalar& b) { return result_dtype(a, b); }
Dtype result_type(const Scalar& a, const Tensor& b) { return result_dtype(b, a); }
Dtype result_type(const Scalar& a, const Scalar& b) {
  return ResultType().number(a.type()).number(b.type()).result();
}

// ---- scalar forms: d(x + s)/dx = 1, d(x * s)/dx = s.
struct AddScalarBackward final : Node {
  std::string_view name() const override { return "AddBackward"; }
  tensor_list apply(tensor_list&& g) override { return {std::move(g[0])}; }
};

namespace {
// b * alpha as a number of b's and alpha's category (integers stay integers).
Scalar scaled(const Scalar& b, const Scalar& alpha) {
  if (b.isFloatingPoint() || alpha.isFloatingPoint()) return Scalar(b.toDouble() * alpha.toDouble());
  return Scalar(b.toLong() * alpha.toLong());
}
}  // namespace

Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  if (!(alpha.isIntegral(false) && alpha.toLong() == 1)) {
    check_integral_alpha("add", result_dtype(a, b), alpha);
    return add(a, scaled(b, alpha));
  }
  detail::check_defined("add", "self", a);
  const Dtype dtype = result_dtype(a, b);
  if (a.dtype() != dtype) return add(a.to(dtype), b);
  if (!is_floating_point(dtype)) {
    const std::int64_t value = b.toLong();
    return kernels::map_any<kernels::Types::All>("add", a, [value](auto x) {
      return static_cast<decltype(x)>(wrapping_add(static_cast<std::int64_t>(x), value));
    });
  }
  const double value = b.toDouble();
  Tensor out = kernels::map("add", a, [value](auto x) { return x + value; });
  record<AddScalarBackward>({a}, {out});
  return out;
}

struct MulScalarBackward final : Node {
  double factor = 1.0;
  std::string_view name() const override { return "MulBackward"; }
  tensor_list apply(tensor_list&& g) override { return {g[0] * factor}; }
};

Tensor mul(const Tensor& a, const Scalar& b) {
  detail::check_defined("mul", "self", a);
  const Dtype dtype = result_dtype(a, b);
  if (a.dtype() != dtype) return mul(a.to(dtype), b);
  if (!is_floating_point(dtype)) {
    const std::int64_t value = b.toLong();
    return kernels::map_any<kernels::Types::All>("mul", a, [value](auto x) {
      return static_cast<decltype(x)>(wrapping_mul(static_cast<std::int64_t>(x), value));
    });
  }
  const double factor = b.toDouble();
  Tensor out = kernels::map("mul", a, [factor](auto x) { return x * factor; });
  if (auto* node = record<MulScalarBackward>({a}, {out})) node->factor = factor;
  return out;
}

// ---- neg: d(-x)/dx = -1.
struct NegBackward final : Node {
  std::string_view name() const override { return "NegBackward"; }
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor neg(const Tensor& x) {
  detail::check_defined("neg", "input", x);
  check(
      x.dtype() != kBool, "neg",
      "negation, the `-` operator, on a bool tensor is not supported; use the `~` or logical_not() operator "
      "instead");
  if (!x.is_floating_point())
    return kernels::map_any<kernels::Types::All>("neg", x, [](auto v) {
      return static_cast<decltype(v)>(wrapping_mul(static_cast<std::int64_t>(v), -1));
    });
  Tensor out = kernels::map("neg", x, [](auto v) { return -v; });
  record<NegBackward>({x}, {out});
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check(a.dtype() != kBool || !b.isBoolean(), "sub",
        "subtraction, the `-` operator, with a bool tensor is not supported");
  return add(a, -scaled(b, alpha));
}
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Scalar& b) {
  const Tensor x = is_floating_point(result_dtype(a, b)) ? a : a.to(get_default_dtype());  // true division
  return mul(x, 1.0 / b.toDouble());
}
Tensor operator+(const Scalar& a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Scalar& a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Scalar& a, const Tensor& b) {
  const Tensor x = is_floating_point(result_dtype(b, a)) ? b : b.to(get_default_dtype());
  return mul(pow(x, -1.0), a);
}
Tensor operator-(const Tensor& x) { return neg(x); }

Tensor Tensor::add(const Tensor& other, const Scalar& alpha) const { return tg::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, const Scalar& alpha) const { return tg::sub(*this, other, alpha); }
Tensor Tensor::mul(const Tensor& other) const { return tg::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return tg::div(*this, other); }
Tensor Tensor::add(const Scalar& other, const Scalar& alpha) const { return tg::add(*this, other, alpha); }
Tensor Tensor::sub(const Scalar& other, const Scalar& alpha) const { return tg::sub(*this, other, alpha); }
Tensor Tensor::mul(const Scalar& other) const { return tg::mul(*this, other); }
Tensor Tensor::div(const Scalar& other) const { return *this / other; }
Tensor Tensor::div(const Tensor& other, std::optional<std::string_view> rounding_mode) const {
  return tg::div(*this, other, rounding_mode);
}
Tensor Tensor::div(const Scalar& other, std::optional<std::string_view> rounding_mode) const {
  return tg::div(*this, other, rounding_mode);
}
Tensor Tensor::neg() const { return tg::neg(*this); }

}  // namespace tg
