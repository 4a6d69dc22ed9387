#pragma once
// Parameter initializers (tg::nn::init), with PyTorch's formulas and defaults. They write in place
// under NoGradGuard and draw from the generator seeded by tg::manual_seed.
#include <string_view>
#include <utility>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::nn::init {

/// Recommended gain for a nonlinearity: "linear", "sigmoid", "tanh", "relu", "leaky_relu" (with param).
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
/// (fan_in, fan_out) of a weight of rank >= 2: size(1) * receptive field, size(0) * receptive field.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

const Tensor& uniform_(const Tensor& tensor, double a = 0.0, double b = 1.0);
const Tensor& normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0);
const Tensor& constant_(const Tensor& tensor, double value);
const Tensor& zeros_(const Tensor& tensor);
const Tensor& ones_(const Tensor& tensor);
const Tensor& xavier_uniform_(const Tensor& tensor, double gain = 1.0);
const Tensor& xavier_normal_(const Tensor& tensor, double gain = 1.0);
/// mode "fan_in" or "fan_out"; a is the negative slope used with "leaky_relu".
const Tensor& kaiming_uniform_(const Tensor& tensor, double a = 0.0, std::string_view mode = "fan_in",
                               std::string_view nonlinearity = "leaky_relu");
const Tensor& kaiming_normal_(const Tensor& tensor, double a = 0.0, std::string_view mode = "fan_in",
                              std::string_view nonlinearity = "leaky_relu");

}  // namespace tg::nn::init
