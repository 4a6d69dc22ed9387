#pragma once
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/normalization.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// tg::layer_norm (one fused op): (x - mean) / sqrt(var + eps) over the trailing normalized_shape dims,
/// then scaled by weight and shifted by bias when they are defined (biased variance, as PyTorch).
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

/// x / sqrt(mean(x²) + eps) * weight over the trailing normalized_shape dims (PyTorch 2.4's rms_norm; eps
/// defaults to the machine epsilon of input's dtype).
Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);
Tensor rms_norm(const Tensor& input, const RMSNormFuncOptions& options);

/// tg::group_norm: x normalized over each group of num_groups channels (with the trailing dims), then
/// scaled and shifted per channel by weight and bias when defined.
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

/// x / (k + alpha / size * sum of x² over the channels c - size/2 .. c + (size-1)/2, zero padded)^beta over
/// dim 1 of [N, C, *] input (at least 3 dims).
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);

/// x / max(‖x‖_p, eps) along options.dim().
Tensor normalize(const Tensor& input, NormalizeFuncOptions options = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
