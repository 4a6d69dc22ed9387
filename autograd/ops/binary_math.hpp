#pragma once
// Element-wise math with several tensor inputs (NumPy broadcasting): pow with a tensor exponent or a
// scalar base, maximum/minimum, clamp with tensor bounds, lerp, addcmul, addcdiv.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// self^exponent. Gradients as PyTorch: 0 for self where exponent == 0, 0 for exponent where
/// self == 0 and exponent >= 0 (elsewhere self^exponent * log(self), NaN for negative self).
Tensor pow(const Tensor& self, const Tensor& exponent);
/// self^exponent for a scalar base; the exponent's gradient is 0 where self == 0 and exponent >= 0.
Tensor pow(double self, const Tensor& exponent);
/// Element-wise max / min (NaN wins). At ties each input gets half the gradient, as in PyTorch.
Tensor maximum(const Tensor& self, const Tensor& other);
Tensor minimum(const Tensor& self, const Tensor& other);
/// min(max(self, min), max) with tensor bounds (either may be absent, not both). The gradient goes
/// to self where min <= self <= max, to min where self < min, to max where self > max.
Tensor clamp(const Tensor& self, const std::optional<Tensor>& min,
             const std::optional<Tensor>& max = std::nullopt);
Tensor clamp_min(const Tensor& self, const Tensor& min);
Tensor clamp_max(const Tensor& self, const Tensor& max);
/// self + weight * (end - self).
Tensor lerp(const Tensor& self, const Tensor& end, double weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
/// self + value * tensor1 * tensor2.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1.0);
/// self + value * tensor1 / tensor2.
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1.0);

}  // namespace tg

#pragma GCC visibility pop
