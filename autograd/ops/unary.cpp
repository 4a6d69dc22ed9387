#include <cmath>
#include <numbers>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

// ---- exp: dy/dx = y, so the output is saved.
struct ExpBackward final : Node {
  SavedTensor y;
  std::string_view name() const override { return "ExpBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override { return {g[0] * y.unpack(*this)}; }
};

Tensor exp(const Tensor& x) {
  detail::check_floating("exp", "input", x);
  Tensor y = kernels::map("exp", x, [](auto v) { return std::exp(v); });
  if (auto* node = record<ExpBackward>({x}, {y})) node->y = SavedTensor(y, true);
  return y;
}

// ---- log: dy/dx = 1/x.
struct LogBackward final : Node {
  SavedTensor x;
  std::string_view name() const override { return "LogBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override { return {g[0] / x.unpack(*this)}; }
};

Tensor log(const Tensor& x) {
  detail::check_floating("log", "input", x);
  Tensor y = kernels::map("log", x, [](auto v) { return std::log(v); });
  if (auto* node = record<LogBackward>({x}, {y})) node->x = SavedTensor(x, false);
  return y;
}

// ---- sqrt: dy/dx = 1 / (2 y).
struct SqrtBackward final : Node {
  SavedTensor y;
  std::string_view name() const override { return "SqrtBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override { return {g[0] / (y.unpack(*this) * 2.0)}; }
};

Tensor sqrt(const Tensor& x) {
  detail::check_floating("sqrt", "input", x);
  Tensor y = kernels::map("sqrt", x, [](auto v) { return std::sqrt(v); });
  if (auto* node = record<SqrtBackward>({x}, {y})) node->y = SavedTensor(y, true);
  return y;
}

// ---- sign: piecewise constant, so its gradient is zero (g * 0 keeps it a function of g for double
// backward).
Tensor sign(const Tensor& x) {
  return detail::unary_pointwise(
      "sign", "SignBackward", x, [](auto v) { return static_cast<decltype(v)>((v > 0) - (v < 0)); },
      [](const Tensor& g, const Tensor&) { return g * 0.0; }, detail::Saved::Nothing);
}

// ---- abs: dy/dx = sign(x) (0 at 0).
struct AbsBackward final : Node {
  SavedTensor x;
  std::string_view name() const override { return "AbsBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override { return {g[0] * sign(x.unpack(*this))}; }
};

Tensor abs(const Tensor& x) {
  detail::check_floating("abs", "input", x);
  Tensor y = kernels::map("abs", x, [](auto v) { return std::abs(v); });
  if (auto* node = record<AbsBackward>({x}, {y})) node->x = SavedTensor(x, false);
  return y;
}

// ---- pow: d(x^p)/dx = p * x^(p-1).
struct PowBackward final : Node {
  SavedTensor x;
  double exponent = 1.0;
  std::string_view name() const override { return "PowBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    if (exponent == 0.0) return {g[0] * 0.0};
    return {g[0] * (pow(x.unpack(*this), exponent - 1.0) * exponent)};
  }
};

Tensor pow(const Tensor& x, double exponent) {
  detail::check_floating("pow", "input", x);
  Tensor y = exponent == 2.0 ? kernels::map("pow", x, [](auto v) { return v * v; })
                             : kernels::map("pow", x, [exponent](auto v) { return std::pow(v, exponent); });
  if (auto* node = record<PowBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->exponent = exponent;
  }
  return y;
}

// ---- clamp: the gradient passes where min <= x <= max (a constant mask), and is 0 elsewhere.
struct ClampBackward final : Node {
  SavedTensor x;
  std::optional<double> min, max;
  std::string_view name() const override { return "ClampBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    const double lo = min.value_or(-INFINITY), hi = max.value_or(INFINITY);
    Tensor mask =
        kernels::map("clamp", x.unpack(*this), [lo, hi](auto v) { return v >= lo && v <= hi ? 1 : 0; });
    return {g[0] * mask};
  }
};

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  detail::check_floating("clamp", "input", x);
  check(min.has_value() || max.has_value(), "clamp", "at least one of min and max must be given");
  check(!min || !max || *min <= *max, "clamp", "min (", min.value_or(0), ") must not exceed max (",
        max.value_or(0), ")");
  const double lo = min.value_or(-INFINITY), hi = max.value_or(INFINITY);
  Tensor y = kernels::map("clamp", x, [lo, hi](auto v) {
    using T = decltype(v);
    return v < static_cast<T>(lo) ? static_cast<T>(lo) : (v > static_cast<T>(hi) ? static_cast<T>(hi) : v);
  });
  if (auto* node = record<ClampBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->min = min;
    node->max = max;
  }
  return y;
}

Tensor clamp_min(const Tensor& x, double min) { return clamp(x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, double max) { return clamp(x, std::nullopt, max); }

// ---- erf: d erf(x)/dx = 2/sqrt(pi) * exp(-x^2).
struct ErfBackward final : Node {
  SavedTensor x;
  std::string_view name() const override { return "ErfBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    return {g[0] * (exp(-(input * input)) * (2.0 / std::sqrt(std::numbers::pi)))};
  }
};

Tensor erf(const Tensor& x) {
  detail::check_floating("erf", "input", x);
  Tensor y = kernels::map("erf", x, [](auto v) { return std::erf(v); });
  if (auto* node = record<ErfBackward>({x}, {y})) node->x = SavedTensor(x, false);
  return y;
}

// ---- the exp/log relatives. Each gradient is written from the saved input or output:
// rsqrt: -y^3 / 2; reciprocal: -y^2; log1p: 1 / (1 + x); expm1: y + 1; log2: 1 / (x ln 2);
// log10: 1 / (x ln 10); exp2: y ln 2.
using detail::Saved;
using detail::unary_pointwise;

Tensor rsqrt(const Tensor& x) {
  return unary_pointwise(
      "rsqrt", "RsqrtBackward", x, [](auto v) { return decltype(v)(1) / std::sqrt(v); },
      [](const Tensor& g, const Tensor& y) { return g * (y * y * y) * -0.5; }, Saved::Output);
}

Tensor reciprocal(const Tensor& x) {
  return unary_pointwise(
      "reciprocal", "ReciprocalBackward", x, [](auto v) { return decltype(v)(1) / v; },
      [](const Tensor& g, const Tensor& y) { return -(g * (y * y)); }, Saved::Output);
}

Tensor log1p(const Tensor& x) {
  return unary_pointwise(
      "log1p", "Log1pBackward", x, [](auto v) { return std::log1p(v); },
      [](const Tensor& g, const Tensor& input) { return g / (input + 1.0); }, Saved::Input);
}

Tensor expm1(const Tensor& x) {
  return unary_pointwise(
      "expm1", "Expm1Backward", x, [](auto v) { return std::expm1(v); },
      [](const Tensor& g, const Tensor& y) { return g * (y + 1.0); }, Saved::Output);
}

Tensor log2(const Tensor& x) {
  return unary_pointwise(
      "log2", "Log2Backward", x, [](auto v) { return std::log2(v); },
      [](const Tensor& g, const Tensor& input) { return g / (input * std::numbers::ln2); }, Saved::Input);
}

Tensor log10(const Tensor& x) {
  return unary_pointwise(
      "log10", "Log10Backward", x, [](auto v) { return std::log10(v); },
      [](const Tensor& g, const Tensor& input) { return g / (input * std::numbers::ln10); }, Saved::Input);
}

Tensor exp2(const Tensor& x) {
  return unary_pointwise(
      "exp2", "Exp2Backward", x, [](auto v) { return std::exp2(v); },
      [](const Tensor& g, const Tensor& y) { return g * y * std::numbers::ln2; }, Saved::Output);
}

Tensor square(const Tensor& x) { return pow(x, 2.0); }

Tensor Tensor::pow(double exponent) const { return tg::pow(*this, exponent); }
Tensor Tensor::exp() const { return tg::exp(*this); }
Tensor Tensor::log() const { return tg::log(*this); }
Tensor Tensor::sqrt() const { return tg::sqrt(*this); }
Tensor Tensor::abs() const { return tg::abs(*this); }
Tensor Tensor::sign() const { return tg::sign(*this); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const {
  return tg::clamp(*this, min, max);
}
Tensor Tensor::clamp_min(double min) const { return tg::clamp_min(*this, min); }
Tensor Tensor::clamp_max(double max) const { return tg::clamp_max(*this, max); }
Tensor Tensor::erf() const { return tg::erf(*this); }
Tensor Tensor::rsqrt() const { return tg::rsqrt(*this); }
Tensor Tensor::reciprocal() const { return tg::reciprocal(*this); }
Tensor Tensor::log1p() const { return tg::log1p(*this); }
Tensor Tensor::expm1() const { return tg::expm1(*this); }
Tensor Tensor::log2() const { return tg::log2(*this); }
Tensor Tensor::log10() const { return tg::log10(*this); }
Tensor Tensor::exp2() const { return tg::exp2(*this); }
Tensor Tensor::square() const { return tg::square(*this); }

}  // namespace tg
