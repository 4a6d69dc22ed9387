#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/batchnorm.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// tg::batch_norm with libtorch's functional options: batch statistics when options.training() (and
/// running_mean/running_var, when defined, updated in place with options.momentum()), else the running
/// statistics. Training needs more than one value per channel.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
