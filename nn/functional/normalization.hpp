#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/normalization.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// Normalizes over the trailing dims given by normalized_shape: (x - mean) / sqrt(var + eps), then
/// scales by weight and shifts by bias when they are defined (biased variance, as PyTorch).
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

/// x / max(‖x‖_p, eps) along options.dim().
Tensor normalize(const Tensor& input, NormalizeFuncOptions options = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
