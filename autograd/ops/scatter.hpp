#pragma once
// Writing through int64 index tensors (scatter, scatter_add, index_add, index_fill, index_copy), reading
// along a dim (take_along_dim), one_hot, and the triangular masks tril/triu. The in-place forms are
// Tensor methods (x.scatter_(...)); the gradients reuse gather/index_select of autograd/ops/index.hpp.
#include <optional>
#include <string_view>

#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// A copy of self with out[...index[i][j]...] = src[i][j] along dim (index has self's rank and
/// index.size(d) <= src.size(d) for every d, <= self.size(d) for d != dim). With repeated indices the
/// last write wins (PyTorch leaves the order unspecified).
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
/// As scatter, writing one value at every indexed position.
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value);
/// As scatter, combining with what is there: reduce is "add" or "multiply". Like PyTorch 1.13 it has
/// no derivative: backward through it throws.
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
               std::string_view reduce);
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value,
               std::string_view reduce);
/// As scatter, but adds src to the indexed positions (repeated indices accumulate).
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);

/// A copy of self with alpha * source's slab i added to slab index[i] along dim (repeats accumulate).
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = 1);
/// A copy of self with the slabs index[i] along dim set to value.
Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, const Scalar& value);
/// As above with a 0-d value tensor, which gets the gradient of every filled element.
Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& value);
/// A copy of self with slab index[i] along dim replaced by source's slab i.
Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);

/// gather along dim after broadcasting self and indices in every other dim; without dim, picks from
/// the flattened self by the flattened indices.
Tensor take_along_dim(const Tensor& self, const Tensor& indices,
                      std::optional<std::int64_t> dim = std::nullopt);

/// int64 tensor of shape self.shape + [num_classes] with a 1 at each class value of the int64 self;
/// num_classes = -1 uses the largest value + 1.
Tensor one_hot(const Tensor& self, std::int64_t num_classes = -1);

/// The lower (tril) / upper (triu) triangle of the last two dims, from `diagonal` (0 the main
/// diagonal, > 0 above it, < 0 below it); the other elements are zero.
Tensor tril(const Tensor& self, std::int64_t diagonal = 0);
Tensor triu(const Tensor& self, std::int64_t diagonal = 0);

}  // namespace tg

#pragma GCC visibility pop
