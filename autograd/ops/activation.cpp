#include <cmath>
#include <numbers>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/gelu.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {
constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;
constexpr double kInvSqrt2 = 0.7071067811865476;  // 1 / sqrt(2)
}  // namespace

// ---- relu: the gradient passes where the output is positive (a constant mask, as PyTorch's
// threshold_backward), so the output is saved.
struct ReluBackward final : Node {
  SavedTensor y;
  std::string_view name() const override { return "ReluBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor out = y.unpack(*this);
    // One fused pass when no graph is recorded; the differentiable form serves create_graph.
    if (!GradMode::is_enabled())
      return {kernels::zip("relu_backward", g[0], out,
                           [](auto grad, auto value) { return value > 0 ? grad : 0; })};
    return {g[0] * kernels::map("relu", out, [](auto v) { return v > 0 ? 1 : 0; })};
  }
};

Tensor relu(const Tensor& x) {
  detail::check_floating("relu", "input", x);
  Tensor y = kernels::map("relu", x, [](auto v) { return v > 0 ? v : decltype(v)(0); });
  if (auto* node = record<ReluBackward>({x}, {y})) node->y = SavedTensor(y, true);
  return y;
}

// ---- leaky_relu: slope 1 where x > 0, negative_slope elsewhere.
struct LeakyReluBackward final : Node {
  SavedTensor x;
  double slope = 0.01;
  std::string_view name() const override { return "LeakyReluBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    const double s = slope;
    return {g[0] * kernels::map("leaky_relu", x.unpack(*this), [s](auto v) { return v > 0 ? 1.0 : s; })};
  }
};

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  detail::check_floating("leaky_relu", "input", x);
  Tensor y =
      kernels::map("leaky_relu", x, [negative_slope](auto v) { return v > 0 ? v : v * negative_slope; });
  if (auto* node = record<LeakyReluBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->slope = negative_slope;
  }
  return y;
}

// ---- sigmoid: dy/dx = y (1 - y).
struct SigmoidBackward final : Node {
  SavedTensor y;
  std::string_view name() const override { return "SigmoidBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor out = y.unpack(*this);
    return {g[0] * (out * (1.0 - out))};
  }
};

Tensor sigmoid(const Tensor& x) {
  detail::check_floating("sigmoid", "input", x);
  // Written so that neither branch overflows: exp of a non-positive number only.
  Tensor y = kernels::map("sigmoid", x, [](auto v) {
    using T = decltype(v);
    if (v >= 0) return T(1) / (T(1) + std::exp(-v));
    const T e = std::exp(v);
    return e / (T(1) + e);
  });
  if (auto* node = record<SigmoidBackward>({x}, {y})) node->y = SavedTensor(y, true);
  return y;
}

// ---- tanh: dy/dx = 1 - y^2.
struct TanhBackward final : Node {
  SavedTensor y;
  std::string_view name() const override { return "TanhBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor out = y.unpack(*this);
    return {g[0] * (1.0 - out * out)};
  }
};

Tensor tanh(const Tensor& x) {
  detail::check_floating("tanh", "input", x);
  Tensor y = kernels::map("tanh", x, [](auto v) { return std::tanh(v); });
  if (auto* node = record<TanhBackward>({x}, {y})) node->y = SavedTensor(y, true);
  return y;
}

// ---- gelu. Exact: y = x Phi(x), dy/dx = Phi(x) + x phi(x).
// tanh form: y = x/2 (1 + t), t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3),
// dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
// Without create_graph the backward is one fused kernel; with it, the same derivative is written with
// differentiable ops so that double backward works.
struct GeluBackward final : Node {
  SavedTensor x;
  bool tanh_form = false;
  std::string_view name() const override { return "GeluBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor v = x.unpack(*this);
    if (!GradMode::is_enabled()) return {kernels::gelu_backward(g[0], v, tanh_form)};
    if (tanh_form) {
      Tensor t = tanh((v + v * v * v * kGeluCubic) * kSqrt2OverPi);
      Tensor du = (v * v * (3.0 * kGeluCubic) + 1.0) * kSqrt2OverPi;
      return {g[0] * ((t + 1.0) * 0.5 + v * 0.5 * (1.0 - t * t) * du)};
    }
    Tensor cdf = (erf(v * kInvSqrt2) + 1.0) * 0.5;
    Tensor pdf = exp(v * v * -0.5) * (std::numbers::inv_sqrtpi * kInvSqrt2);
    return {g[0] * (cdf + v * pdf)};
  }
};

Tensor gelu(const Tensor& x, std::string_view approximate) {
  detail::check_floating("gelu", "input", x);
  check(approximate == "none" || approximate == "tanh", "gelu",
        "approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  const bool tanh_form = approximate == "tanh";
  Tensor y = kernels::gelu_forward(x, tanh_form);
  if (auto* node = record<GeluBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->tanh_form = tanh_form;
  }
  return y;
}

// ---- silu: y = x s, s = sigmoid(x), dy/dx = s (1 + x (1 - s)).
struct SiluBackward final : Node {
  SavedTensor x;
  std::string_view name() const override { return "SiluBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor v = x.unpack(*this);
    Tensor s = sigmoid(v);
    return {g[0] * (s * (v * (1.0 - s) + 1.0))};
  }
};

Tensor silu(const Tensor& x) {
  detail::check_floating("silu", "input", x);
  Tensor y = kernels::map("silu", x, [](auto v) {
    using T = decltype(v);
    const T s = v >= 0 ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
    return v * s;
  });
  if (auto* node = record<SiluBackward>({x}, {y})) node->x = SavedTensor(x, false);
  return y;
}

Tensor Tensor::relu() const { return tg::relu(*this); }
Tensor Tensor::sigmoid() const { return tg::sigmoid(*this); }
Tensor Tensor::tanh() const { return tg::tanh(*this); }

}  // namespace tg
