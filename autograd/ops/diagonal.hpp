#pragma once
// Diagonals: diagonal (a view), diag_embed and diag (copies), and kron.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// A view of the diagonal of the (dim1, dim2) planes: those two dims are removed and the diagonal
/// becomes the last dim. offset > 0 takes a diagonal above the main one, offset < 0 below.
Tensor diagonal(const Tensor& x, std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1);
/// Zeros of `sizes` with `grad` written on the diagonal (diagonal's gradient; differentiable).
Tensor diagonal_backward(const Tensor& grad, IntArrayRef sizes, std::int64_t offset, std::int64_t dim1,
                         std::int64_t dim2);
/// The last dim of x placed on the diagonal of new (dim1, dim2) planes of zeros (dims of the result).
Tensor diag_embed(const Tensor& x, std::int64_t offset = 0, std::int64_t dim1 = -2, std::int64_t dim2 = -1);
/// A 1-D x as the given diagonal of a square matrix, or a copy of that diagonal of a 2-D x.
Tensor diag(const Tensor& x, std::int64_t diagonal = 0);
/// Kronecker product: blocks a[i] * b, for any ranks (the smaller rank padded with leading ones).
Tensor kron(const Tensor& a, const Tensor& b);

}  // namespace tg

#pragma GCC visibility pop
