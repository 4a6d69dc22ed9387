#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/trigonometric.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using detail::Saved;
using detail::unary_pointwise;

// ---- sin, cos, tan: d sin = cos, d cos = -sin, d tan = 1 + tan^2 (from the saved output).
Tensor sin(const Tensor& x) {
  return unary_pointwise(
      "sin", "SinBackward", x, [](auto v) { return std::sin(v); },
      [](const Tensor& g, const Tensor& input) { return g * cos(input); }, Saved::Input);
}

Tensor cos(const Tensor& x) {
  return unary_pointwise(
      "cos", "CosBackward", x, [](auto v) { return std::cos(v); },
      [](const Tensor& g, const Tensor& input) { return g * -sin(input); }, Saved::Input);
}

Tensor tan(const Tensor& x) {
  return unary_pointwise(
      "tan", "TanBackward", x, [](auto v) { return std::tan(v); },
      [](const Tensor& g, const Tensor& y) { return g * (y * y + 1.0); }, Saved::Output);
}

// ---- asin, acos, atan: +-1 / sqrt(1 - x^2) and 1 / (1 + x^2).
Tensor asin(const Tensor& x) {
  return unary_pointwise(
      "asin", "AsinBackward", x, [](auto v) { return std::asin(v); },
      [](const Tensor& g, const Tensor& input) { return g * rsqrt(1.0 - input * input); }, Saved::Input);
}

Tensor acos(const Tensor& x) {
  return unary_pointwise(
      "acos", "AcosBackward", x, [](auto v) { return std::acos(v); },
      [](const Tensor& g, const Tensor& input) { return g * -rsqrt(1.0 - input * input); }, Saved::Input);
}

Tensor atan(const Tensor& x) {
  return unary_pointwise(
      "atan", "AtanBackward", x, [](auto v) { return std::atan(v); },
      [](const Tensor& g, const Tensor& input) { return g / (input * input + 1.0); }, Saved::Input);
}

// ---- sinh, cosh: d sinh = cosh, d cosh = sinh.
Tensor sinh(const Tensor& x) {
  return unary_pointwise(
      "sinh", "SinhBackward", x, [](auto v) { return std::sinh(v); },
      [](const Tensor& g, const Tensor& input) { return g * cosh(input); }, Saved::Input);
}

Tensor cosh(const Tensor& x) {
  return unary_pointwise(
      "cosh", "CoshBackward", x, [](auto v) { return std::cosh(v); },
      [](const Tensor& g, const Tensor& input) { return g * sinh(input); }, Saved::Input);
}

// ---- asinh, acosh, atanh: 1 / sqrt(x^2 + 1), 1 / sqrt(x^2 - 1), 1 / (1 - x^2).
Tensor asinh(const Tensor& x) {
  return unary_pointwise(
      "asinh", "AsinhBackward", x, [](auto v) { return std::asinh(v); },
      [](const Tensor& g, const Tensor& input) { return g * rsqrt(input * input + 1.0); }, Saved::Input);
}

Tensor acosh(const Tensor& x) {
  return unary_pointwise(
      "acosh", "AcoshBackward", x, [](auto v) { return std::acosh(v); },
      [](const Tensor& g, const Tensor& input) { return g * rsqrt(input * input - 1.0); }, Saved::Input);
}

Tensor atanh(const Tensor& x) {
  return unary_pointwise(
      "atanh", "AtanhBackward", x, [](auto v) { return std::atanh(v); },
      [](const Tensor& g, const Tensor& input) { return g / (1.0 - input * input); }, Saved::Input);
}

namespace {
void check_binary(std::string_view op, const Tensor& self, const Tensor& other) {
  detail::check_floating(op, "self", self);
  detail::check_floating(op, "other", other);
}
}  // namespace

// ---- atan2(a, b): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2).
struct Atan2Backward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "Atan2Backward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor self = a.unpack(*this), other = b.unpack(*this);
    Tensor scale = g[0] / (self * self + other * other);
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(scale * other, input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(-scale * self, input_meta()[1].sizes);
    return out;
  }
};

Tensor atan2(const Tensor& self, const Tensor& other) {
  check_binary("atan2", self, other);
  Tensor out = kernels::zip("atan2", self, other, [](auto y, auto x) { return std::atan2(y, x); });
  if (auto* node = record<Atan2Backward>({self, other}, {out})) {
    node->a = SavedTensor(self, false);
    node->b = SavedTensor(other, false);
  }
  return out;
}

// ---- hypot(a, b) = h: d/da = a / h, d/db = b / h.
struct HypotBackward final : Node {
  SavedTensor a, b, h;
  std::string_view name() const override { return "HypotBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
    h.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor scale = g[0] / h.unpack(*this);
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(scale * a.unpack(*this), input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(scale * b.unpack(*this), input_meta()[1].sizes);
    return out;
  }
};

Tensor hypot(const Tensor& self, const Tensor& other) {
  check_binary("hypot", self, other);
  Tensor out = kernels::zip("hypot", self, other, [](auto x, auto y) { return std::hypot(x, y); });
  if (auto* node = record<HypotBackward>({self, other}, {out})) {
    node->h = SavedTensor(out, true);
    if (node->needs_input_grad(0)) node->a = SavedTensor(self, false);
    if (node->needs_input_grad(1)) node->b = SavedTensor(other, false);
  }
  return out;
}

Tensor Tensor::sin() const { return tg::sin(*this); }
Tensor Tensor::cos() const { return tg::cos(*this); }
Tensor Tensor::tan() const { return tg::tan(*this); }
Tensor Tensor::asin() const { return tg::asin(*this); }
Tensor Tensor::acos() const { return tg::acos(*this); }
Tensor Tensor::atan() const { return tg::atan(*this); }
Tensor Tensor::sinh() const { return tg::sinh(*this); }
Tensor Tensor::cosh() const { return tg::cosh(*this); }
Tensor Tensor::asinh() const { return tg::asinh(*this); }
Tensor Tensor::acosh() const { return tg::acosh(*this); }
Tensor Tensor::atanh() const { return tg::atanh(*this); }
Tensor Tensor::atan2(const Tensor& other) const { return tg::atan2(*this, other); }
Tensor Tensor::hypot(const Tensor& other) const { return tg::hypot(*this, other); }

}  // namespace tg
