#pragma once
// Vector and matrix norms: norm (Tensor::norm), frobenius_norm, linalg_vector_norm and linalg_norm
// (also spelled linalg::vector_norm / linalg::norm, as torch/linalg.h). p may be any real number or
// +-infinity (std::numeric_limits<double>::infinity()); p = 0 counts the nonzero elements.
// Gradients follow PyTorch: 0 where the norm is 0, ties of the +-inf norms share the gradient evenly.
#include <optional>
#include <string_view>

#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// The p-norm of all elements, as one vector.
Tensor norm(const Tensor& x, const Scalar& p = 2);
/// The p-norm over `dim` (empty: every dim); p nullopt means 2.
Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim = false);
/// As above, computed in `dtype` (a floating dtype).
Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim, Dtype dtype);
/// sqrt of the sum of squares, of all elements or over `dim`.
Tensor frobenius_norm(const Tensor& x);
Tensor frobenius_norm(const Tensor& x, IntArrayRef dim, bool keepdim = false);
/// The ord-norm of the vectors along `dim` (nullopt: the flattened tensor).
Tensor linalg_vector_norm(const Tensor& x, const Scalar& ord = 2, OptionalIntArrayRef dim = std::nullopt,
                          bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
/// A vector norm over one dim (or of a 1-D input), or a matrix norm over two dims (or of a 2-D
/// input): ord 1 / -1 is the largest / smallest column sum of |x|, inf / -inf the row sums; without
/// ord, the 2-norm of the flattened input or the Frobenius norm over two dims. The spectral norms
/// (ord 2 / -2 on matrices, "nuc") need singular values and are not supported.
Tensor linalg_norm(const Tensor& x, const std::optional<Scalar>& ord = std::nullopt,
                   OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
                   std::optional<Dtype> dtype = std::nullopt);
/// Matrix norm named by a string: "fro" (Frobenius); "nuc" is not supported.
Tensor linalg_norm(const Tensor& x, std::string_view ord, OptionalIntArrayRef dim = std::nullopt,
                   bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
// A string literal converts to both Scalar (through bool) and string_view; this picks the string.
inline Tensor linalg_norm(const Tensor& x, const char* ord, OptionalIntArrayRef dim = std::nullopt,
                          bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) {
  return linalg_norm(x, std::string_view(ord), dim, keepdim, dtype);
}

namespace linalg {
inline Tensor vector_norm(const Tensor& x, const Scalar& ord = 2, OptionalIntArrayRef dim = std::nullopt,
                          bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) {
  return linalg_vector_norm(x, ord, dim, keepdim, dtype);
}
inline Tensor norm(const Tensor& x, const std::optional<Scalar>& ord = std::nullopt,
                   OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
                   std::optional<Dtype> dtype = std::nullopt) {
  return linalg_norm(x, ord, dim, keepdim, dtype);
}
inline Tensor norm(const Tensor& x, std::string_view ord, OptionalIntArrayRef dim = std::nullopt,
                   bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) {
  return linalg_norm(x, ord, dim, keepdim, dtype);
}
inline Tensor norm(const Tensor& x, const char* ord, OptionalIntArrayRef dim = std::nullopt,
                   bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) {
  return linalg_norm(x, std::string_view(ord), dim, keepdim, dtype);
}
}  // namespace linalg

}  // namespace tg

#pragma GCC visibility pop
