#pragma once
#include <tapegrad/autograd/ops/linear.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// x·Wᵀ + b (tg::linear).
using tg::linear;
/// y[..., o] = x1[..., i] · weight[o, i, j] · x2[..., j] + bias[o]; x1 and x2 share their leading dims.
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias = {});

}  // namespace tg::nn::functional

#pragma GCC visibility pop
