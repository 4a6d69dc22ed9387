#include <cmath>

#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn::functional {
namespace {
void check_probability(const char* op, double p) {
  check(p >= 0.0 && p <= 1.0, op, "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor maybe_inplace(const Tensor& input, Tensor result, bool inplace) {
  if (!inplace) return result;
  input.copy_(result);
  return input;
}

// 1 where an element is kept (probability 1 - p), else 0; a constant for autograd.
Tensor keep_mask(IntArrayRef sizes, Dtype dtype, double p) {
  return kernels::map("dropout", rand(sizes, dtype), [p](auto u) { return u >= p ? 1.0 : 0.0; });
}
Tensor keep_mask(const Tensor& input, double p) { return keep_mask(input.sizes(), input.dtype(), p); }

// One draw per (n, c): the mask has the input's first two sizes and 1 elsewhere, and broadcasts.
Tensor feature_keep_mask(const char* op, const Tensor& input, double p) {
  check(input.dim() >= 2, op,
        "Feature dropout requires at least 2 dimensions in the input, got input of shape ", input.sizes());
  Shape sizes(static_cast<std::size_t>(input.dim()), 1);
  sizes[0] = input.size(0);
  sizes[1] = input.size(1);
  return keep_mask(sizes, input.dtype(), p);
}

// SELU's dropout on a given keep mask: dropped elements become SELU's negative saturation value
// -scale * alpha; a and b keep mean 0 and variance 1.
Tensor alpha_dropout_with_mask(const Tensor& input, const Tensor& keep, double p) {
  constexpr double alpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1.0) * (1.0 - p));
  Tensor b = (keep - 1.0) * (alpha * a) + alpha * a * p;
  return input * (keep * a) + b;
}

enum class FeatureKind { Dropout, Alpha };

Tensor feature_dropout_impl(const char* op, FeatureKind kind, const Tensor& input, double p, bool train,
                            bool inplace) {
  tg::detail::check_floating(op, "input", input);
  check_probability(op, p);
  if (!train || p == 0.0 || input.numel() == 0) return input;
  if (p == 1.0) return maybe_inplace(input, input * zeros_like(input), inplace);
  const Tensor keep = feature_keep_mask(op, input, p);
  // The mask is a constant: the input's gradient is the mask times the scale times the output gradient.
  Tensor result = kind == FeatureKind::Dropout ? input * (keep * (1.0 / (1.0 - p)))
                                               : alpha_dropout_with_mask(input, keep, p);
  return maybe_inplace(input, std::move(result), inplace);
}

// libtorch 1.13's dropout2d/3d: an input whose rank is not batched_dim is taken as one unbatched sample.
Tensor channel_dropout(const char* op, const Tensor& input, const DropoutFuncOptions& options,
                       std::int64_t batched_dim) {
  check_probability(op, options.p());
  if (input.dim() == batched_dim) {
    return feature_dropout_impl(op, FeatureKind::Dropout, input, options.p(), options.training(),
                                options.inplace());
  }
  tg::detail::check_floating(op, "input", input);
  if (!options.training() || options.p() == 0.0) return input;
  Tensor result =
      feature_dropout_impl(op, FeatureKind::Dropout, input.unsqueeze(0), options.p(), true, false).squeeze(0);
  return maybe_inplace(input, std::move(result), options.inplace());
}
}  // namespace

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  const double p = options.p();
  tg::detail::check_floating("dropout", "input", input);
  check_probability("dropout", p);
  if (!options.training() || p == 0.0) return input;
  if (p == 1.0) return maybe_inplace(input, input * zeros_like(input), options.inplace());
  // The mask is a constant: the gradient is the same mask times the output gradient.
  return maybe_inplace(input, input * (keep_mask(input, p) * (1.0 / (1.0 - p))), options.inplace());
}

Tensor dropout(const Tensor& input, double p, bool training) {
  return dropout(input, DropoutFuncOptions().p(p).training(training));
}

Tensor alpha_dropout(const Tensor& input, const AlphaDropoutFuncOptions& options) {
  const double p = options.p();
  tg::detail::check_floating("alpha_dropout", "input", input);
  check_probability("alpha_dropout", p);
  if (!options.training() || p == 0.0) return input;
  if (p == 1.0) return maybe_inplace(input, input * zeros_like(input), options.inplace());
  return maybe_inplace(input, alpha_dropout_with_mask(input, keep_mask(input, p), p), options.inplace());
}

Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options) {
  return channel_dropout("dropout2d", input, options, 4);
}

Tensor dropout3d(const Tensor& input, const Dropout3dFuncOptions& options) {
  return channel_dropout("dropout3d", input, options, 5);
}

Tensor feature_alpha_dropout(const Tensor& input, const FeatureAlphaDropoutFuncOptions& options) {
  return feature_dropout_impl("feature_alpha_dropout", FeatureKind::Alpha, input, options.p(),
                              options.training(), options.inplace());
}

}  // namespace tg::nn::functional

namespace tg {

Tensor feature_dropout(const Tensor& input, double p, bool train) {
  return nn::functional::feature_dropout_impl("feature_dropout", nn::functional::FeatureKind::Dropout, input,
                                              p, train, false);
}

Tensor& feature_dropout_(Tensor& input, double p, bool train) {
  nn::functional::feature_dropout_impl("feature_dropout_", nn::functional::FeatureKind::Dropout, input, p,
                                       train, true);
  return input;
}

Tensor feature_alpha_dropout(const Tensor& input, double p, bool train) {
  return nn::functional::feature_dropout_impl("feature_alpha_dropout", nn::functional::FeatureKind::Alpha,
                                              input, p, train, false);
}

Tensor& feature_alpha_dropout_(Tensor& input, double p, bool train) {
  nn::functional::feature_dropout_impl("feature_alpha_dropout_", nn::functional::FeatureKind::Alpha, input, p,
                                       train, true);
  return input;
}

Tensor alpha_dropout(const Tensor& input, double p, bool train) {
  return nn::functional::alpha_dropout(input, nn::functional::AlphaDropoutFuncOptions().p(p).training(train));
}

}  // namespace tg
