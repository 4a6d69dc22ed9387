#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/normalization.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/nn/functional/normalization.hpp>

namespace tg::nn::functional {

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  return tg::layer_norm(input, normalized_shape, weight, bias, eps);
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return tg::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(), options.eps());
}

Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  return tg::rms_norm(input, normalized_shape, weight, eps);
}

Tensor rms_norm(const Tensor& input, const RMSNormFuncOptions& options) {
  return tg::rms_norm(input, options.normalized_shape(), options.weight(), options.eps());
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
