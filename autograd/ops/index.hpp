#pragma once
// Indexing with int64 index tensors: index_select, gather, and their (differentiable) scatter-add
// gradients.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Rows (or slabs along dim) of x picked by a 1-D int64 index.
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
/// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise for other dims); index has x's rank.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
/// Zeros of `sizes` with grad's slabs added at `index` along dim (gradient of index_select).
Tensor index_select_backward(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef sizes);
/// Zeros of `sizes` with grad's elements added at `index` along dim (gradient of gather).
Tensor gather_backward(const Tensor& grad, std::int64_t dim, const Tensor& index, IntArrayRef sizes);

}  // namespace tg

#pragma GCC visibility pop
