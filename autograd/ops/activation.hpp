#pragma once
// Activation functions.
#include <cstdint>
#include <optional>
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// GELU: approximate "none" is the exact x * Phi(x); "tanh" is the tanh approximation.
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// SiLU (Swish): x * sigmoid(x).
Tensor silu(const Tensor& x);

/// log(1 + exp(beta x)) / beta; x itself where beta x > threshold (there the two agree to rounding).
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// scale * x for x > 0, scale * alpha * (exp(input_scale * x) - 1) otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0, double scale = 1.0, double input_scale = 1.0);
/// elu with the self-normalizing constants alpha = 1.6732632..., scale = 1.0507009...
Tensor selu(const Tensor& x);
/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must not be 0.
Tensor celu(const Tensor& x, double alpha = 1.0);
/// clamp(x, min_val, max_val); the gradient is 0 at and beyond the bounds, as in PyTorch.
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
/// hardtanh(x, 0, 6).
Tensor relu6(const Tensor& x);
/// relu6(x + 3) / 6.
Tensor hardsigmoid(const Tensor& x);
/// x * relu6(x + 3) / 6.
Tensor hardswish(const Tensor& x);
/// x * tanh(softplus(x)).
Tensor mish(const Tensor& x);
/// log(sigmoid(x)), computed without overflow.
Tensor log_sigmoid(const Tensor& x);
/// x / (1 + |x|). libtorch has it only as torch::nn::functional::softsign; tapegrad also offers it here.
Tensor softsign(const Tensor& x);
/// Gated linear unit: a * sigmoid(b) where a, b are the two halves of x along dim (whose size must be even).
Tensor glu(const Tensor& x, std::int64_t dim = -1);
/// x where x > 0, weight * x elsewhere; weight has 1 element or one per channel (x.size(1)).
Tensor prelu(const Tensor& x, const Tensor& weight);
/// log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps] (gradient 0 outside).
Tensor logit(const Tensor& x, std::optional<double> eps = std::nullopt);

}  // namespace tg

#pragma GCC visibility pop
