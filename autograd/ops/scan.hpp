#pragma once
// Scans along a dim: running sums, products, maxima and minima, and log-sum-exp. Each output
// element covers the input elements up to and including its own position along `dim`.
#include <cstdint>
#include <optional>
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Running sum along `dim`, after converting to `dtype` when given. Integer and bool inputs give
/// int64 (exact, wrapping on overflow), as in PyTorch.
Tensor cumsum(const Tensor& x, std::int64_t dim, std::optional<Dtype> dtype = std::nullopt);
/// Running product; the gradient is right when the input holds zeros.
Tensor cumprod(const Tensor& x, std::int64_t dim, std::optional<Dtype> dtype = std::nullopt);
/// Running maximum and the index it came from (the latest of equal maxima; NaN, once seen, stays).
std::tuple<Tensor, Tensor> cummax(const Tensor& x, std::int64_t dim);
/// Running minimum and the index it came from (the latest of equal minima; NaN, once seen, stays).
std::tuple<Tensor, Tensor> cummin(const Tensor& x, std::int64_t dim);
/// log(cumsum(exp(x))) computed without overflow (floating inputs).
Tensor logcumsumexp(const Tensor& x, std::int64_t dim);

}  // namespace tg

#pragma GCC visibility pop
