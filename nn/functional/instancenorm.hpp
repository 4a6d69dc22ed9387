#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/instancenorm.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// tg::instance_norm with libtorch's functional options: each (sample, channel) of [N, C, *] input is
/// normalized over its trailing dims (use_input_stats), or by the running statistics.
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
