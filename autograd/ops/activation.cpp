#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/gelu.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
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

// ================= softplus, the elu family, the hard activations, mish, log_sigmoid, softsign, glu,
// prelu, logit. Masks (which branch an element is on) are constants; the rest are tapegrad ops.
namespace {
using detail::keep_where;
using detail::Saved;

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// 1 where lo < v < hi, else 0 (the hard activations pass no gradient at their corners, as PyTorch).
Tensor strictly_between(const Tensor& v, double lo, double hi) {
  return kernels::map("mask", v, [lo, hi](auto x) { return x > lo && x < hi ? 1 : 0; });
}
}  // namespace

// ---- softplus: dy/dx = sigmoid(beta x) below the threshold, 1 above it.
struct SoftplusBackward final : Node {
  SavedTensor x;
  double beta = 1.0, threshold = 20.0;
  std::string_view name() const override { return "SoftplusBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    const double b = beta, t = threshold;
    Tensor linear = kernels::map("softplus", input, [b, t](auto v) { return v * b > t ? 1 : 0; });
    return {g[0] * (sigmoid(input * b) * (1.0 - linear) + linear)};
  }
};

Tensor softplus(const Tensor& x, double beta, double threshold) {
  detail::check_floating("softplus", "input", x);
  Tensor y = kernels::map("softplus", x, [beta, threshold](auto v) {
    using T = decltype(v);
    const T z = v * static_cast<T>(beta);
    // log(1 + e^z) = max(z, 0) + log1p(e^-|z|): no overflow for large z.
    return z > static_cast<T>(threshold)
               ? v
               : (std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)))) / static_cast<T>(beta);
  });
  if (auto* node = record<SoftplusBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->beta = beta;
    node->threshold = threshold;
  }
  return y;
}

// ---- elu: dy/dx = scale for x > 0, scale * alpha * input_scale * exp(input_scale x) otherwise.
struct EluBackward final : Node {
  SavedTensor x;
  double alpha = 1.0, scale = 1.0, input_scale = 1.0;
  std::string_view node_name = "EluBackward";
  std::string_view name() const override { return node_name; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    Tensor positive = kernels::map("elu", input, [](auto v) { return v > 0 ? 1 : 0; });
    Tensor negative_slope =
        keep_where(exp(input * input_scale) * (scale * alpha * input_scale), 1.0 - positive);
    return {g[0] * (positive * scale + negative_slope)};
  }
};

namespace {
Tensor elu_family(std::string_view op, std::string_view node_name, const Tensor& x, double alpha,
                  double scale, double input_scale) {
  detail::check_floating(op, "input", x);
  Tensor y = kernels::map(op, x, [alpha, scale, input_scale](auto v) {
    using T = decltype(v);
    return v > 0 ? static_cast<T>(scale * v) : static_cast<T>(scale * alpha * std::expm1(input_scale * v));
  });
  if (auto* node = record<EluBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->alpha = alpha;
    node->scale = scale;
    node->input_scale = input_scale;
    node->node_name = node_name;
  }
  return y;
}
}  // namespace

Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
  return elu_family("elu", "EluBackward", x, alpha, scale, input_scale);
}

Tensor selu(const Tensor& x) { return elu_family("selu", "EluBackward", x, kSeluAlpha, kSeluScale, 1.0); }

Tensor celu(const Tensor& x, double alpha) {
  check(alpha != 0.0, "celu", "ZeroDivisionError: alpha cannot be 0 for CELU");
  return elu_family("celu", "CeluBackward", x, alpha, 1.0, 1.0 / alpha);
}

// ---- hardtanh: dy/dx = 1 strictly inside (min_val, max_val), 0 elsewhere.
struct HardtanhBackward final : Node {
  SavedTensor x;
  double lo = -1.0, hi = 1.0;
  std::string_view name() const override { return "HardtanhBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override { return {g[0] * strictly_between(x.unpack(*this), lo, hi)}; }
};

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  detail::check_floating("hardtanh", "input", x);
  Tensor y = kernels::map("hardtanh", x, [min_val, max_val](auto v) {
    using T = decltype(v);
    const T clamped_below = v < static_cast<T>(min_val) ? static_cast<T>(min_val) : v;
    return clamped_below > static_cast<T>(max_val) ? static_cast<T>(max_val) : clamped_below;
  });
  if (auto* node = record<HardtanhBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->lo = min_val;
    node->hi = max_val;
  }
  return y;
}

Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0, 6.0); }

// ---- hardsigmoid: dy/dx = 1/6 strictly inside (-3, 3).
Tensor hardsigmoid(const Tensor& x) {
  return detail::unary_pointwise(
      "hardsigmoid", "HardsigmoidBackward", x,
      [](auto v) {
        using T = decltype(v);
        return v <= T(-3) ? T(0) : (v >= T(3) ? T(1) : v / T(6) + T(0.5));
      },
      [](const Tensor& g, const Tensor& input) {
        return g * strictly_between(input, -3.0, 3.0) * (1.0 / 6.0);
      },
      Saved::Input);
}

// ---- hardswish: dy/dx = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above 3 (PyTorch's branches).
Tensor hardswish(const Tensor& x) {
  return detail::unary_pointwise(
      "hardswish", "HardswishBackward", x,
      [](auto v) {
        using T = decltype(v);
        return v <= T(-3) ? T(0) : (v >= T(3) ? v : v * (v + T(3)) / T(6));
      },
      [](const Tensor& g, const Tensor& input) {
        Tensor middle = kernels::map("hardswish", input, [](auto v) { return v >= -3 && v <= 3 ? 1 : 0; });
        Tensor above = kernels::map("hardswish", input, [](auto v) { return v > 3 ? 1 : 0; });
        return g * (middle * (input * (1.0 / 3.0) + 0.5) + above);
      },
      Saved::Input);
}

// ---- mish: y = x t with t = tanh(softplus(x)); dy/dx = t + x (1 - t^2) sigmoid(x).
Tensor mish(const Tensor& x) {
  return detail::unary_pointwise(
      "mish", "MishBackward", x,
      [](auto v) {
        using T = decltype(v);
        return v * std::tanh(std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v))));
      },
      [](const Tensor& g, const Tensor& input) {
        Tensor t = tanh(softplus(input));
        return g * (t + input * (1.0 - t * t) * sigmoid(input));
      },
      Saved::Input);
}

// ---- log_sigmoid: y = min(x, 0) - log1p(exp(-|x|)); dy/dx = sigmoid(-x).
Tensor log_sigmoid(const Tensor& x) {
  return detail::unary_pointwise(
      "log_sigmoid", "LogSigmoidBackward", x,
      [](auto v) {
        using T = decltype(v);
        return std::min(v, T(0)) - std::log1p(std::exp(-std::abs(v)));
      },
      [](const Tensor& g, const Tensor& input) { return g * sigmoid(-input); }, Saved::Input);
}

// ---- softsign: composed, as PyTorch composes it (its gradient is 1 / (1 + |x|)^2).
Tensor softsign(const Tensor& x) {
  detail::check_floating("softsign", "input", x);
  return x / (abs(x) + 1.0);
}

// ---- glu: composed from narrow, sigmoid and mul, so its gradients (and double backward) follow.
Tensor glu(const Tensor& x, std::int64_t dim) {
  detail::check_floating("glu", "input", x);
  check(x.dim() > 0, "glu", "glu does not support scalars because halving size must be even");
  const std::int64_t d = wrap_dim("glu", dim, x.dim());
  const std::int64_t size = x.size(d);
  check(size % 2 == 0, "glu", "Halving dimension must be even, but dimension ", d, " is size ", size);
  return x.narrow(d, 0, size / 2) * sigmoid(x.narrow(d, size / 2, size / 2));
}

// ---- prelu: y = x (p + (1 - p) w) with p = [x > 0] a constant mask and w broadcast over channel dim 1,
// so dy/dx = w where x <= 0 and dy/dw sums x over the non-positive elements of each channel.
Tensor prelu(const Tensor& x, const Tensor& weight) {
  detail::check_floating("prelu", "self", x);
  detail::check_floating("prelu", "weight", weight);
  check(weight.dim() <= 1, "prelu",
        "Expected `weight` to be a scalar or 1D tensor, but got ndim = ", weight.dim());
  const std::int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  check(weight.numel() == 1 || weight.numel() == channels, "prelu",
        "Mismatch of parameter numbers and input channel size. Found parameter numbers = ", weight.numel(),
        " and channel size = ", channels, " (input shape ", x.sizes(), ")");
  // One weight broadcasts as a 0-d tensor; C weights as [C, 1, ..., 1] against [N, C, ...].
  Tensor w;
  if (weight.numel() == 1) {
    w = weight.reshape(Shape{});
  } else {
    Shape sizes(static_cast<std::size_t>(x.dim() - 1), 1);
    sizes[0] = channels;
    w = weight.reshape(sizes);
  }
  Tensor positive = kernels::map("prelu", x, [](auto v) { return v > 0 ? 1 : 0; });
  return x * (positive + (1.0 - positive) * w);
}

// ---- logit: dy/dx = 1 / (x (1 - x)); with eps 0 outside [eps, 1 - eps], without it NaN outside [0, 1].
struct LogitBackward final : Node {
  SavedTensor x;
  std::optional<double> eps;
  std::string_view name() const override { return "LogitBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    Tensor slope = g[0] / (input * (1.0 - input));
    if (eps) {
      const double lo = *eps, hi = 1.0 - *eps;
      return {keep_where(
          slope, kernels::map("logit", input, [lo, hi](auto v) { return v >= lo && v <= hi ? 1 : 0; }))};
    }
    Tensor outside_is_nan = kernels::map("logit", input, [](auto v) {
      using T = decltype(v);
      return v < 0 || v > 1 ? std::numeric_limits<T>::quiet_NaN() : T(1);
    });
    return {slope * outside_is_nan};
  }
};

Tensor logit(const Tensor& x, std::optional<double> eps) {
  detail::check_floating("logit", "input", x);
  const double lo = eps.value_or(0.0), hi = 1.0 - eps.value_or(0.0);
  const bool clamped = eps.has_value();
  Tensor y = kernels::map("logit", x, [lo, hi, clamped](auto v) {
    using T = decltype(v);
    const T z = clamped ? (v < static_cast<T>(lo) ? static_cast<T>(lo)
                                                  : (v > static_cast<T>(hi) ? static_cast<T>(hi) : v))
                        : v;
    return std::log(z / (T(1) - z));
  });
  if (auto* node = record<LogitBackward>({x}, {y})) {
    node->x = SavedTensor(x, false);
    node->eps = eps;
  }
  return y;
}

Tensor Tensor::prelu(const Tensor& weight) const { return tg::prelu(*this, weight); }
Tensor Tensor::logit(std::optional<double> eps) const { return tg::logit(*this, eps); }

}  // namespace tg
