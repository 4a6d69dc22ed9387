#pragma once
// group_norm: [N, C, *] input with C channels in num_groups groups; each (sample, group) is normalized
// over its C / num_groups channels and the trailing dims, then weight and bias apply per channel.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// ATen's group_norm (biased variance); weight and bias are [C] or undefined; cudnn_enabled is ignored.
Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5, bool cudnn_enabled = true);

}  // namespace tg

#pragma GCC visibility pop
