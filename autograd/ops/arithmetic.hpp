#pragma once
// + - * / with NumPy broadcasting, tensor-scalar forms, and neg. Operands of different dtypes are
// promoted as PyTorch's result_type; integer and bool arithmetic is computed without gradients and
// wraps around; / is true division (integers give the default float dtype).
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

/// a + alpha * b (broadcasting).
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
/// a - alpha * b (broadcasting).
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Scalar& b);
Tensor mul(const Tensor& a, const Scalar& b);
Tensor neg(const Tensor& x);

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
