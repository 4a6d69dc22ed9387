#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::nn::functional {

/// Normalizes over the trailing dims given by normalized_shape: (x - mean) / sqrt(var + eps), then
/// scales by weight and shifts by bias when they are defined (biased variance, as PyTorch).
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

}  // namespace tg::nn::functional
