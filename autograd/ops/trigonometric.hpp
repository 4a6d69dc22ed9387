#pragma once
// Trigonometric and hyperbolic functions, their inverses, and the two-input atan2 and hypot
// (broadcasting). Gradients follow PyTorch's formulas, including inf/NaN at the domain edges.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
/// Defined on [-1, 1]; NaN outside.
Tensor asin(const Tensor& x);
/// Defined on [-1, 1]; NaN outside.
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor asinh(const Tensor& x);
/// Defined on [1, inf); NaN below.
Tensor acosh(const Tensor& x);
/// Defined on [-1, 1]; +-inf at +-1, NaN outside.
Tensor atanh(const Tensor& x);
/// The angle of the point (other, self): atan(self / other) in the right quadrant.
Tensor atan2(const Tensor& self, const Tensor& other);
/// sqrt(self^2 + other^2) without intermediate overflow; the gradient at (0, 0) is NaN, as in PyTorch.
Tensor hypot(const Tensor& self, const Tensor& other);

}  // namespace tg

#pragma GCC visibility pop
