#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/rounding.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using detail::Saved;
using detail::unary_pointwise;

namespace {
// The gradient of a piecewise-constant op; g * 0 (not a fresh zeros tensor) keeps it a function of g,
// so double backward sees the same zero.
Tensor zero_gradient(const Tensor& g, const Tensor&) { return g * 0.0; }

// C's remainder has the sign of the dividend; Python's has the sign of the divisor.
template <class T>
T python_remainder(T a, T b) {
  T r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
}  // namespace

// ---- floor, ceil, round, trunc: zero gradient. frac = x - trunc(x): gradient 1.
Tensor floor(const Tensor& x) {
  return unary_pointwise(
      "floor", "FloorBackward", x, [](auto v) { return std::floor(v); }, zero_gradient, Saved::Nothing);
}

Tensor ceil(const Tensor& x) {
  return unary_pointwise(
      "ceil", "CeilBackward", x, [](auto v) { return std::ceil(v); }, zero_gradient, Saved::Nothing);
}

// nearbyint rounds in the current rounding mode, which is to-nearest-even unless a program changes it.
Tensor round(const Tensor& x) {
  return unary_pointwise(
      "round", "RoundBackward", x, [](auto v) { return std::nearbyint(v); }, zero_gradient, Saved::Nothing);
}

Tensor round(const Tensor& x, std::int64_t decimals) {
  // Scale by a power of ten that is exact for |decimals| <= 22, round, scale back (PyTorch's recipe).
  const bool negative = decimals < 0;
  const double scale = std::pow(10.0, static_cast<double>(negative ? -decimals : decimals));
  return unary_pointwise(
      "round", "RoundBackward", x,
      [scale, negative](auto v) {
        using T = decltype(v);
        const T s = static_cast<T>(scale);
        return negative ? std::nearbyint(v / s) * s : std::nearbyint(v * s) / s;
      },
      zero_gradient, Saved::Nothing);
}

Tensor trunc(const Tensor& x) {
  return unary_pointwise(
      "trunc", "TruncBackward", x, [](auto v) { return std::trunc(v); }, zero_gradient, Saved::Nothing);
}

Tensor frac(const Tensor& x) {
  return unary_pointwise(
      "frac", "FracBackward", x, [](auto v) { return v - std::trunc(v); },
      [](const Tensor& g, const Tensor&) { return g * 1.0; }, Saved::Nothing);
}

// ---- fmod / remainder with a tensor divisor: d/dself = 1, d/dother = -q with q = trunc(self / other)
// (fmod) or floor(self / other) (remainder). q is piecewise constant, so it is computed without a graph.
struct RemainderBackward final : Node {
  SavedTensor a, b;
  bool floor_quotient = false;  // remainder (floor) or fmod (trunc)
  std::string_view name() const override { return floor_quotient ? "RemainderBackward" : "FmodBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * 1.0, input_meta()[0].sizes);
    if (needs_input_grad(1)) {
      const bool use_floor = floor_quotient;
      Tensor quotient = kernels::zip(
          name(), a.unpack(*this).detach(), b.unpack(*this).detach(),
          [use_floor](auto x, auto y) { return use_floor ? std::floor(x / y) : std::trunc(x / y); });
      out[1] = sum_to(-(g[0] * quotient), input_meta()[1].sizes);
    }
    return out;
  }
};

namespace {
template <class F>
Tensor remainder_op(std::string_view op, const Tensor& self, const Tensor& other, bool floor_quotient, F f) {
  detail::check_floating(op, "self", self);
  detail::check_floating(op, "other", other);
  Tensor out = kernels::zip(op, self, other, f);
  if (auto* node = record<RemainderBackward>({self, other}, {out})) {
    node->floor_quotient = floor_quotient;
    if (node->needs_input_grad(1)) {
      node->a = SavedTensor(self, false);
      node->b = SavedTensor(other, false);
    }
  }
  return out;
}

// A scalar divisor: self - q * other with q piecewise constant, so the gradient is 1.
struct RemainderScalarBackward final : Node {
  bool floor_quotient = false;
  std::string_view name() const override { return floor_quotient ? "RemainderBackward" : "FmodBackward"; }
  tensor_list apply(tensor_list&& g) override { return {g[0] * 1.0}; }
};

template <class F>
Tensor remainder_scalar_op(std::string_view op, const Tensor& self, bool floor_quotient, F f) {
  detail::check_floating(op, "self", self);
  Tensor out = kernels::map(op, self, f);
  if (auto* node = record<RemainderScalarBackward>({self}, {out})) node->floor_quotient = floor_quotient;
  return out;
}
}  // namespace

Tensor fmod(const Tensor& self, const Tensor& other) {
  return remainder_op("fmod", self, other, false, [](auto a, auto b) { return std::fmod(a, b); });
}

Tensor fmod(const Tensor& self, double other) {
  return remainder_scalar_op("fmod", self, false,
                             [other](auto a) { return std::fmod(a, static_cast<decltype(a)>(other)); });
}

Tensor remainder(const Tensor& self, const Tensor& other) {
  return remainder_op("remainder", self, other, true, [](auto a, auto b) { return python_remainder(a, b); });
}

Tensor remainder(const Tensor& self, double other) {
  return remainder_scalar_op("remainder", self, true, [other](auto a) {
    return python_remainder(a, static_cast<decltype(a)>(other));
  });
}

// NOTE: PyTorch 1.13 records no derivative for this overload (backward raises); here the tensor
// form's gradient -floor(self / other) applies.
Tensor remainder(double self, const Tensor& other) {
  detail::check_floating("remainder", "other", other);
  return remainder(full_like(other, self), other);
}

Tensor Tensor::floor() const { return tg::floor(*this); }
Tensor Tensor::ceil() const { return tg::ceil(*this); }
Tensor Tensor::round() const { return tg::round(*this); }
Tensor Tensor::round(std::int64_t decimals) const { return tg::round(*this, decimals); }
Tensor Tensor::trunc() const { return tg::trunc(*this); }
Tensor Tensor::frac() const { return tg::frac(*this); }
Tensor Tensor::fmod(const Tensor& other) const { return tg::fmod(*this, other); }
Tensor Tensor::fmod(double other) const { return tg::fmod(*this, other); }
Tensor Tensor::remainder(const Tensor& other) const { return tg::remainder(*this, other); }
Tensor Tensor::remainder(double other) const { return tg::remainder(*this, other); }

}  // namespace tg
