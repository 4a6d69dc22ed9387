#pragma once
// Shape ops. Views (view, transpose, permute, squeeze, unsqueeze, expand, slice, narrow, select)
// share storage with their input; reshape copies only when a view is impossible.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// A view with new sizes (one may be -1); needs a contiguous input.
Tensor view(const Tensor& x, IntArrayRef sizes);
/// Like view, but copies a non-contiguous input.
Tensor reshape(const Tensor& x, IntArrayRef sizes);
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
/// Transpose of a matrix (rank <= 2).
Tensor t(const Tensor& x);
Tensor permute(const Tensor& x, IntArrayRef dims);
/// Removes every size-1 dim / the given dim if it has size 1.
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
/// Broadcasts size-1 dims to `sizes` without copying (-1 keeps a size).
Tensor expand(const Tensor& x, IntArrayRef sizes);
/// Elements start, start+step, ... below end along dim (bounds are clipped, negatives count from the end).
Tensor slice(const Tensor& x, std::int64_t dim, std::optional<std::int64_t> start = std::nullopt,
             std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1);
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
/// The slice at `index` along dim, with that dim removed.
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
/// Concatenates along an existing dim.
Tensor cat(const tensor_list& tensors, std::int64_t dim = 0);
/// Joins along a new dim.
Tensor stack(const tensor_list& tensors, std::int64_t dim = 0);
/// Zeros of `sizes` with `grad` written into the given slice (the gradient of slice; differentiable).
Tensor slice_backward(const Tensor& grad, IntArrayRef sizes, std::int64_t dim, std::int64_t start,
                      std::int64_t end, std::int64_t step);

}  // namespace tg

namespace tg {

/// Moves dims `source` to positions `destination`; the other dims keep their order (a view).
Tensor movedim(const Tensor& x, IntArrayRef source, IntArrayRef destination);
Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination);
/// Alias of movedim (NumPy's name).
Tensor moveaxis(const Tensor& x, IntArrayRef source, IntArrayRef destination);
Tensor moveaxis(const Tensor& x, std::int64_t source, std::int64_t destination);
/// Aliases of transpose (NumPy's names).
Tensor swapaxes(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
Tensor swapdims(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
/// Splits dim into `sizes` (one may be -1); always a view, whatever the input's strides.
Tensor unflatten(const Tensor& x, std::int64_t dim, IntArrayRef sizes);
/// narrow, copied into a new tensor.
Tensor narrow_copy(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);

}  // namespace tg

#pragma GCC visibility pop
