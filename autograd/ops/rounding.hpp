#pragma once
// Rounding (floor, ceil, round, trunc, frac) and the two remainders (fmod, remainder), broadcasting.
// floor, ceil, round and trunc are piecewise constant: their gradient is 0 everywhere, as in PyTorch.
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
/// Rounds half to even (0.5 -> 0, 1.5 -> 2), as PyTorch does.
Tensor round(const Tensor& x);
/// Rounds to `decimals` decimal places (negative: to tens, hundreds, ...), half to even.
Tensor round(const Tensor& x, std::int64_t decimals);
Tensor trunc(const Tensor& x);
/// x - trunc(x); its gradient is 1.
Tensor frac(const Tensor& x);
/// C's fmod: the remainder of self / other with the sign of self.
/// Gradients: 1 for self, -trunc(self / other) for other.
Tensor fmod(const Tensor& self, const Tensor& other);
Tensor fmod(const Tensor& self, double other);
/// Python's %: the remainder of self / other with the sign of other.
/// Gradients: 1 for self, -floor(self / other) for other.
Tensor remainder(const Tensor& self, const Tensor& other);
Tensor remainder(const Tensor& self, double other);
Tensor remainder(double self, const Tensor& other);

}  // namespace tg

#pragma GCC visibility pop
