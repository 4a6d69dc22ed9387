#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/group_norm.hpp>
#include <tapegrad/autograd/ops/normalization.hpp>
#include <tapegrad/autograd/ops/padding.hpp>
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

Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  return tg::group_norm(input, options.num_groups(), options.weight(), options.bias(), options.eps());
}

Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options) {
  constexpr std::string_view op = "local_response_norm";
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  check(input.dim() >= 3, op, "Expected 3D or higher dimensionality input (got ", input.dim(),
        " dimensions)");
  const std::int64_t size = options.size();
  check(size > 0, op, "size must be positive, got ", size);
  // The window of channel c is c - size/2 .. c + (size-1)/2 of the squares, zero padded along dim 1:
  // summed as `size` shifted views (exact, unlike differences of a running sum).
  const std::int64_t channels = input.size(1);
  std::vector<std::int64_t> padding(static_cast<std::size_t>(2 * (input.dim() - 1)), 0);
  padding[padding.size() - 2] = size / 2;
  padding[padding.size() - 1] = (size - 1) / 2;
  const Tensor squares = constant_pad_nd(input * input, padding);
  Tensor window = narrow(squares, 1, 0, channels);
  for (std::int64_t shift = 1; shift < size; ++shift) window = window + narrow(squares, 1, shift, channels);
  return input / pow(window * (options.alpha() / static_cast<double>(size)) + options.k(), options.beta());
}

}  // namespace tg::nn::functional
