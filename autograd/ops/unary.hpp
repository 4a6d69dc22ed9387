#pragma once
// Element-wise math: exp, log, sqrt, abs, sign, pow (scalar exponent), clamp, erf, and the exp/log
// relatives (rsqrt, reciprocal, log1p, expm1, log2, log10, exp2, square).
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

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

/// 1 / sqrt(x).
Tensor rsqrt(const Tensor& x);
/// 1 / x.
Tensor reciprocal(const Tensor& x);
/// log(1 + x), accurate for small x.
Tensor log1p(const Tensor& x);
/// exp(x) - 1, accurate for small x.
Tensor expm1(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
/// 2^x.
Tensor exp2(const Tensor& x);
/// x * x (recorded as pow(x, 2), as in PyTorch).
Tensor square(const Tensor& x);

}  // namespace tg

#pragma GCC visibility pop
