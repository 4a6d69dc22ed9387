#pragma once
// Activation functions.
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// GELU: approximate "none" is the exact x * Phi(x); "tanh" is the tanh approximation.
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// SiLU (Swish): x * sigmoid(x).
Tensor silu(const Tensor& x);

}  // namespace tg
