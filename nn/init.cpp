#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn::init {
namespace {

void check_floating_tensor(std::string_view op, const Tensor& tensor) {
  detail::check_floating(op, "tensor", tensor);
}

double fan(std::string_view op, const Tensor& tensor, std::string_view mode) {
  check(mode == "fan_in" || mode == "fan_out", op, "mode must be \"fan_in\" or \"fan_out\", got \"", mode,
        "\"");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return static_cast<double>(mode == "fan_in" ? fan_in : fan_out);
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv")) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("calculate_gain: unsupported nonlinearity \"" + std::string(nonlinearity) +
              "\" (use linear, sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check(tensor.dim() >= 2, "calculate_fan_in_and_fan_out",
        "fan in and fan out need a tensor of rank >= 2, got shape ", tensor.sizes());
  std::int64_t receptive_field = 1;
  for (std::int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

const Tensor& uniform_(const Tensor& tensor, double a, double b) {
  check_floating_tensor("uniform_", tensor);
  check(a <= b, "uniform_", "lower bound ", a, " exceeds upper bound ", b);
  NoGradGuard no_grad;
  tensor.copy_(rand(tensor.sizes(), tensor.dtype()) * (b - a) + a);
  return tensor;
}

const Tensor& normal_(const Tensor& tensor, double mean, double std) {
  check_floating_tensor("normal_", tensor);
  check(std >= 0, "normal_", "std must be non-negative, got ", std);
  NoGradGuard no_grad;
  tensor.copy_(randn(tensor.sizes(), tensor.dtype()) * std + mean);
  return tensor;
}

const Tensor& constant_(const Tensor& tensor, double value) {
  NoGradGuard no_grad;
  tensor.fill_(value);
  return tensor;
}

const Tensor& zeros_(const Tensor& tensor) { return constant_(tensor, 0.0); }
const Tensor& ones_(const Tensor& tensor) { return constant_(tensor, 1.0); }

// Glorot: std = gain * sqrt(2 / (fan_in + fan_out)); the uniform bound is sqrt(3) * std.
const Tensor& xavier_uniform_(const Tensor& tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double bound = std::sqrt(3.0) * gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(tensor, -bound, bound);
}

const Tensor& xavier_normal_(const Tensor& tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return normal_(tensor, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

// He: std = gain / sqrt(fan); the uniform bound is sqrt(3) * std.
const Tensor& kaiming_uniform_(const Tensor& tensor, double a, std::string_view mode,
                               std::string_view nonlinearity) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan("kaiming_uniform_", tensor, mode));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

const Tensor& kaiming_normal_(const Tensor& tensor, double a, std::string_view mode,
                              std::string_view nonlinearity) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan("kaiming_normal_", tensor, mode));
  return normal_(tensor, 0.0, std);
}

}  // namespace tg::nn::init
