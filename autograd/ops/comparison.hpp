#pragma once
// Comparisons, logical and bitwise ops, masks and selection, as libtorch's. Comparisons promote their
// operands as PyTorch's result_type and give kBool tensors; where and masked_fill are differentiable in
// their value operands; the others have no gradient.
#include <optional>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Scalar& b);
Tensor lt(const Tensor& a, const Scalar& b);
Tensor le(const Tensor& a, const Scalar& b);
Tensor gt(const Tensor& a, const Scalar& b);
Tensor ge(const Tensor& a, const Scalar& b);

Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Scalar& b);
Tensor operator==(const Scalar& a, const Tensor& b);
Tensor operator!=(const Scalar& a, const Tensor& b);
Tensor operator<(const Scalar& a, const Tensor& b);
Tensor operator<=(const Scalar& a, const Tensor& b);
Tensor operator>(const Scalar& a, const Tensor& b);
Tensor operator>=(const Scalar& a, const Tensor& b);

/// Element-wise truth of nonzero values combined: results are kBool.
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
/// Bitwise ops of bool and integer tensors (on bool they are the logical ops): & | ^ ~.
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_not(const Tensor& x);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator~(const Tensor& x);

Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isposinf(const Tensor& x);
Tensor isneginf(const Tensor& x);
Tensor isfinite(const Tensor& x);

/// Whether any / all elements are nonzero: a 0-d kBool tensor, or reduced over `dim`.
Tensor any(const Tensor& x);
Tensor all(const Tensor& x);
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim = false);

/// |a - b| <= atol + rtol * |b| element-wise (kBool); NaNs are equal only with equal_nan.
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08,
               bool equal_nan = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08,
              bool equal_nan = false);
/// Same sizes and the same values (dtypes may differ, as in PyTorch).
bool equal(const Tensor& a, const Tensor& b);

/// condition ? a : b element-wise with broadcasting; differentiable in a and b.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& condition, const Scalar& a, const Scalar& b);
/// where(condition) with one argument: the indices of the nonzero elements, one int64 tensor per dim.
std::vector<Tensor> where(const Tensor& condition);
/// x with the elements where `mask` (bool, broadcast to x) is true set to value; differentiable in x
/// (and in a 0-d value tensor).
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
/// The elements of x where mask (broadcast with x) is true, as a 1-D tensor; differentiable in x.
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// The indices of nonzero elements: int64 [count, x.dim()], row-major order.
Tensor nonzero(const Tensor& x);
/// The number of nonzero elements (int64), overall or along dims.
Tensor count_nonzero(const Tensor& x);
Tensor count_nonzero(const Tensor& x, std::int64_t dim);
Tensor count_nonzero(const Tensor& x, IntArrayRef dims);

}  // namespace tg

#pragma GCC visibility pop
