#pragma once
// GELU forward and its fused backward (one pass over grad and x), for float32 and float64.
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::kernels {

/// y = x Phi(x) (tanh_form: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))); contiguous, x's dtype.
Tensor gelu_forward(const Tensor& x, bool tanh_form);

/// dx = grad * dy/dx in one pass; grad and x have the same shape and dtype.
Tensor gelu_backward(const Tensor& grad, const Tensor& x, bool tanh_form);

}  // namespace tg::kernels
