#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/nn/functional/normalization.hpp>

namespace tg::nn::functional {

// Written with differentiable ops, so its gradient (and second derivative) come from theirs.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  detail::check_floating("layer_norm", "input", input);
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  check(k >= 1 && input.dim() >= k, "layer_norm", "normalized_shape ", normalized_shape,
        " needs an input of at least that rank, got shape ", input.sizes());
  Shape trailing(input.sizes().end() - k, input.sizes().end());
  check(IntArrayRef(trailing) == normalized_shape, "layer_norm", "input shape ", input.sizes(),
        " does not end with normalized_shape ", normalized_shape);
  for (const Tensor* affine : {&weight, &bias})
    if (affine->defined())
      check(affine->sizes() == normalized_shape, "layer_norm", "weight and bias must have shape ",
            normalized_shape, ", got ", affine->sizes());
  Shape dims;
  for (std::int64_t d = input.dim() - k; d < input.dim(); ++d) dims.push_back(d);
  Tensor centered = input - mean(input, dims, /*keepdim=*/true);
  Tensor variance = mean(centered * centered, dims, /*keepdim=*/true);
  Tensor out = centered / sqrt(variance + eps);
  if (weight.defined()) out = out * weight;
  if (bias.defined()) out = out + bias;
  return out;
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return layer_norm(input, options.normalized_shape(), options.weight(), options.bias(), options.eps());
}

Tensor normalize(const Tensor& input, NormalizeFuncOptions options) {
  detail::check_floating("normalize", "input", input);
  check(options.p() > 0, "normalize", "p must be positive, got ", options.p());
  check(input.dim() > 0 && options.dim() >= -input.dim() && options.dim() < input.dim(), "normalize", "dim ",
        options.dim(), " is out of range for an input of shape ", input.sizes());
  // Clamping the p-th power sum at eps^p gives the same max(norm, eps), and a zero (not NaN) gradient
  // for all-zero slices.
  const double p = options.p();
  Tensor powered = sum(pow(abs(input), p), {options.dim()}, /*keepdim=*/true);
  Tensor norm = pow(clamp_min(powered, std::pow(options.eps(), p)), 1.0 / p);
  return input / norm;
}

}  // namespace tg::nn::functional
