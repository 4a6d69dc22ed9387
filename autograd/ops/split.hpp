#pragma once
// Splitting into pieces along a dim: chunk, split, split_with_sizes, unbind. Every piece is a view
// sharing the input's storage; one node covers all pieces, so backward concatenates their gradients
// (zeros for pieces that received none).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// `chunks` pieces of equal size ceil(size / chunks) along dim (the last may be smaller, and fewer
/// pieces come back when the size runs out first).
tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim = 0);
/// Pieces of `split_size` along dim, the last one smaller when the size does not divide.
tensor_list split(const Tensor& x, std::int64_t split_size, std::int64_t dim = 0);
/// Pieces of the given sizes along dim (they must add up to the dim's size).
tensor_list split(const Tensor& x, IntArrayRef split_sizes, std::int64_t dim = 0);
tensor_list split_with_sizes(const Tensor& x, IntArrayRef split_sizes, std::int64_t dim = 0);
/// Every slice along dim, with that dim removed.
tensor_list unbind(const Tensor& x, std::int64_t dim = 0);

}  // namespace tg

#pragma GCC visibility pop
