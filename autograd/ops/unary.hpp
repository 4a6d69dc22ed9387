#pragma once
// Element-wise math: exp, log, sqrt, abs, sign, pow (scalar exponent), clamp, erf.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
/// |x|; its gradient at 0 is 0, as in PyTorch.
Tensor abs(const Tensor& x);
/// -1, 0 or 1 (gradient zero everywhere).
Tensor sign(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
/// Limits x to [min, max]; either bound may be absent. Gradient flows where min <= x <= max.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max = std::nullopt);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);
Tensor erf(const Tensor& x);

}  // namespace tg
