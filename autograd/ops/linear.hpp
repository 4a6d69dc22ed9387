#pragma once
// The fused fully-connected layer op.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out] (optional). The bias is written into
/// the output before a single GEMM with beta = 1; backward reads W and x through strided views.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

/// linear(x, weight, bias) whose forward product reads `weight_t`, the caller's copy of weightᵀ (its
/// values must equal weight.t()); gradients flow to weight and bias exactly as for linear, none to
/// weight_t. A recurrent layer multiplies every step's few rows by the same weight: from a contiguous
/// weightᵀ that product runs ~1.6x faster (LSTM hidden gates, batch 32, 256 -> 1024), so the layer
/// transposes once per sequence. Not in libtorch.
Tensor linear_pretransposed(const Tensor& x, const Tensor& weight, const Tensor& weight_t,
                            const Tensor& bias = {});

}  // namespace tg

#pragma GCC visibility pop
