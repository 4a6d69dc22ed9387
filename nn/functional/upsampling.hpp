#pragma once
// F::interpolate (torch/nn/functional/upsampling.h) over the ops of autograd/ops/upsampling.hpp (kArea:
// adaptive average pooling).
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/upsampling.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// Resizes the spatial dims of a [N, C, spatial...] input (1-3 spatial dims, as the mode requires).
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
