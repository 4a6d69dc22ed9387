#pragma once
// Sorting and order statistics along a dim: sort, argsort, msort, topk, kthvalue, median, nanmedian,
// mode. NaN counts as larger than every number (PyTorch's order). Index results are int64; the
// gradient of the values goes back to the input elements their indices name.
#include <cstdint>
#include <optional>
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// (values, indices) of every slice along `dim` sorted; equal elements keep their order (stable).
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
/// libtorch's overload with a `stable` flag; the sort is always stable, so it changes nothing.
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, std::int64_t dim = -1,
                                bool descending = false);
/// The indices that sort each slice along `dim` (the second result of sort).
Tensor argsort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, bool stable, std::int64_t dim = -1, bool descending = false);
/// Sorted along dim 0 (values only).
Tensor msort(const Tensor& x);
/// The k largest (or smallest) elements along `dim` and their indices; in sorted order when `sorted`
/// (always, here). Which of several equal elements is picked is unspecified in PyTorch.
std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true,
                                bool sorted = true);
/// The k-th smallest element (k from 1) along `dim` and its index.
std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, std::int64_t k, std::int64_t dim = -1,
                                    bool keepdim = false);
/// The lower median of all elements (NaN when any element is NaN; NaN for an empty tensor).
Tensor median(const Tensor& x);
/// Lower median along `dim` and its index; a slice holding NaN gives its first NaN.
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// As median, ignoring NaN (NaN only when every element is NaN).
Tensor nanmedian(const Tensor& x);
std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// The most frequent value along `dim` (the smallest of equally frequent ones) and the index of its
/// last occurrence, as PyTorch's CPU kernel.
std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim = -1, bool keepdim = false);

}  // namespace tg

#pragma GCC visibility pop
