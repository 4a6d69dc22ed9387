// group_norm is layer_norm's fused row kernel on the input seen as [N, G, C / G * S] (each row one group
// of one sample), then the per-channel affine map as broadcast ops: both parts have their backward, and
// the whole has double backward through layer_norm's composed backward.
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/group_norm.hpp>
#include <tapegrad/autograd/ops/normalization.hpp>

namespace tg {

Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps, bool /*cudnn_enabled*/) {
  constexpr std::string_view op = "group_norm";
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  check(input.dim() >= 2, op, "Expected at least 2 dimensions for input tensor but received ", input.dim());
  const std::int64_t batch = input.size(0), channels = input.size(1);
  check(num_groups > 0 && channels % num_groups == 0, op,
        "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
        input.sizes(), " and num_groups=", num_groups);
  for (auto [vector, label] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!vector->defined()) continue;
    check(vector->dim() == 1 && vector->numel() == channels, op, "Expected ", label,
          " to be a vector of size equal to the number of channels in input, but got ", label, " of shape ",
          vector->sizes(), " and input of shape ", input.sizes());
    check(vector->dtype() == input.dtype(), op, "expected ", label, " to have input's dtype ", input.dtype(),
          ", got ", vector->dtype());
  }
  std::int64_t row = channels / num_groups;
  for (std::int64_t d = 2; d < input.dim(); ++d) row *= input.size(d);
  Tensor out = layer_norm(input.reshape({batch, num_groups, row}), {row}, {}, {}, eps).view(input.sizes());
  Shape channel_shape(static_cast<std::size_t>(input.dim()), 1);
  channel_shape[1] = channels;
  if (weight.defined()) out = out * weight.view(channel_shape);
  if (bias.defined()) out = out + bias.view(channel_shape);
  return out;
}

}  // namespace tg
