#pragma once
// Pooling over the last 1, 2 or 3 dims of a floating tensor, with libtorch's (at::) signatures: max and
// average pooling (stride, padding, dilation, ceil_mode), adaptive pooling and max unpooling. Inputs carry
// one or two leading dims ([C, ...] unbatched or [N, C, ...]); a zero batch is allowed. Indices are int64
// positions in the flattened spatial plane of each (n, c), as PyTorch returns them and max_unpool reads
// them. Every op is differentiable twice: the gradients are gathers and scatters by those indices or
// average pooling's adjoint, each differentiable in turn.
#include <cstdint>
#include <optional>
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Max over windows of kernel_size positions (spaced by dilation) every stride positions (empty stride:
/// kernel_size) of the input padded by `padding` on both sides (padding never wins). ceil_mode adds a
/// last, partial window when one starts inside the input or its left padding. Each size list has one
/// value (for every dim) or one per pooled dim.
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
/// max_poolNd and the int64 position of each maximum in its (n, c) plane (the first of equal maxima;
/// NaN counts as the maximum).
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {}, IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1, bool ceil_mode = false);

/// Mean over windows as max_poolNd's (no dilation). count_include_pad: padded positions count in the
/// divisor (never past the padded input); divisor_override replaces the divisor.
Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<std::int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<std::int64_t> divisor_override = std::nullopt);

/// Output position o of a dim of input size n averages (or takes the max of) input positions
/// [floor(o * n / size), ceil((o + 1) * n / size)): windows that cover the input, overlapping when size
/// does not divide n.
Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size);
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size);
Tensor adaptive_avg_pool3d(const Tensor& self, IntArrayRef output_size);
/// (values, indices) as max_poolNd_with_indices.
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& self, IntArrayRef output_size);

/// Zeros of spatial size output_size with self's values put at `indices` (as max_poolNd_with_indices
/// returned them) in each (n, c) plane. max_unpool1d has no at:: form (libtorch's F::max_unpool1d goes
/// through the 2-d op); max_unpool3d checks stride and padding only, as at::max_unpool3d.
Tensor max_unpool1d(const Tensor& self, const Tensor& indices, IntArrayRef output_size);
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size);
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size, IntArrayRef stride,
                    IntArrayRef padding);

}  // namespace tg

#pragma GCC visibility pop
