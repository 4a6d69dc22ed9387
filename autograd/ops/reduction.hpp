#pragma once
// Reductions over all elements or over given dims (keepdim keeps reduced dims as size 1).
#include <optional>
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

Tensor sum(const Tensor& x);
/// Sum over `dims` (an empty list means every dim).
Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim = false);
/// The largest element (a 0-d tensor); ties share the gradient equally, as in PyTorch.
Tensor max(const Tensor& x);
/// Largest values along `dim` and their (first) indices as int64.
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// Index of the largest value: over the flattened tensor, or along `dim`.
Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
/// The smallest element (a 0-d tensor); ties share the gradient equally.
Tensor min(const Tensor& x);
/// Smallest values along `dim` and their (first) indices as int64.
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// Index of the smallest value: over the flattened tensor, or along `dim`.
Tensor argmin(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
/// Largest values over `dims` (empty: every dim); equal elements share the gradient evenly.
Tensor amax(const Tensor& x, IntArrayRef dims = {}, bool keepdim = false);
/// Smallest values over `dims` (empty: every dim); equal elements share the gradient evenly.
Tensor amin(const Tensor& x, IntArrayRef dims = {}, bool keepdim = false);
/// Variance with Bessel's correction when unbiased (divides by N - 1), else by N.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);

/// Sums `grad` down to `sizes` (the inverse of broadcasting `sizes` up to grad's shape).
Tensor sum_to(const Tensor& grad, IntArrayRef sizes);

}  // namespace tg
