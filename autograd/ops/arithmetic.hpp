#pragma once
// + - * / with NumPy broadcasting, tensor-scalar forms, and neg. Operands of different dtypes are
// promoted as PyTorch's result_type; integer and bool arithmetic is computed without gradients and
// wraps around; / is true division (integers give the default float dtype).
#include <optional>
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// a + alpha * b (broadcasting).
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
/// a - alpha * b (broadcasting).
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// a + alpha * b and a - alpha * b for a number b (libtorch's Scalar overloads).
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor neg(const Tensor& x);

/// a / b with rounding_mode "trunc" (toward zero) or "floor" (toward -inf); integer tensors stay
/// integers (division by zero throws "ZeroDivisionError"); the result has no gradient (zero, as PyTorch's).
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode = std::nullopt);
/// div(a, b, "floor").
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, const Scalar& b);

/// The dtype PyTorch's torch.result_type gives an op on these operands (see tg::ResultType).
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, const Scalar& b);
Dtype result_type(const Scalar& a, const Tensor& b);
Dtype result_type(const Scalar& a, const Scalar& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& x);

}  // namespace tg

#pragma GCC visibility pop
