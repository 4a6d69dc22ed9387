#pragma once
// The fused fully-connected layer op.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out] (optional). The bias is written into
/// the output before a single GEMM with beta = 1; backward reads W and x through strided views.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace tg

#pragma GCC visibility pop
