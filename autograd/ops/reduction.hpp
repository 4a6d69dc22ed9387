#pragma once
// Reductions over all elements or over given dims (keepdim keeps reduced dims as size 1).
#include <optional>
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

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
/// Variance with `correction` subtracted from the element count (default 1), over `dims` (none: all).
Tensor var(const Tensor& x, OptionalIntArrayRef dims, std::optional<std::int64_t> correction,
           bool keepdim = false);
/// Standard deviation: the square root of var with the same arguments.
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, OptionalIntArrayRef dims, std::optional<std::int64_t> correction,
           bool keepdim = false);
/// (var, mean) and (std, mean) in one call.
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, bool unbiased = true);
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, IntArrayRef dims, bool unbiased = true,
                                    bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, bool unbiased = true);
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, IntArrayRef dims, bool unbiased = true,
                                    bool keepdim = false);
/// Product of all elements (after converting to `dtype` when given); correct gradients with zeros.
Tensor prod(const Tensor& x, std::optional<Dtype> dtype = std::nullopt);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false,
            std::optional<Dtype> dtype = std::nullopt);
/// log(sum(exp(x))) over `dims`, computed without overflow.
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim = false);

/// Sums `grad` down to `sizes` (the inverse of broadcasting `sizes` up to grad's shape).
Tensor sum_to(const Tensor& grad, IntArrayRef sizes);

}  // namespace tg

#pragma GCC visibility pop
