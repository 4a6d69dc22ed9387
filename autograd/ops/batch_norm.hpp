#pragma once
// batch_norm as one fused op over [N, C, *] input: per channel, statistics over N and the trailing dims
// (accumulated in double, shifted), the output in one pass, the running statistics updated in place.
// See Note [fused batch normalization] in batch_norm.cpp.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// ATen's batch_norm: (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c for each channel c = dim 1.
/// training: mean and (biased) variance of the batch over every dim but 1; running_mean and running_var,
/// when defined, become (1 - momentum) * running + momentum * batch (the unbiased variance for
/// running_var), without gradient. Evaluation: running_mean and running_var (required) are used.
/// weight, bias, running_mean and running_var are [C] or undefined; cudnn_enabled is ignored. Gradients
/// flow to input, weight and bias (through the batch statistics when training); double backward works.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps,
                  bool cudnn_enabled = true);

/// ATen's instance_norm: each (n, c) of [N, C, *] input normalized over the trailing dims (batch_norm of
/// the input seen as [1, N * C, *]) when use_input_stats, else by running_mean/running_var. weight and bias
/// are [C] per channel. With use_input_stats and running statistics defined, these take the mean over the
/// batch of the per-instance statistics with momentum, in place.
Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                     const Tensor& running_mean, const Tensor& running_var, bool use_input_stats,
                     double momentum, double eps, bool cudnn_enabled = true);

}  // namespace tg

#pragma GCC visibility pop
