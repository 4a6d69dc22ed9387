#pragma once
// Copies: clone, contiguous, and dtype conversion (all differentiable between floating dtypes).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor clone(const Tensor& x);
/// x itself when already contiguous, else a contiguous copy.
Tensor contiguous(const Tensor& x);
Tensor to(const Tensor& x, Dtype dtype);

}  // namespace tg

#pragma GCC visibility pop
