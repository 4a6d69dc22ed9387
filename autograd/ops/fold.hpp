#pragma once
// im2col / col2im (ATen's names; nn::Unfold and nn::Fold): sliding 2-d blocks of an image as columns,
// and columns summed back into an image. Each is the other's adjoint, so both are differentiable to
// any order.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// input [N, C, H, W] (or [C, H, W]) -> [N, C * kH * kW, L] (or [C * kH * kW, L]), L the number of
/// block positions. Each argument holds 2 values (height, width).
Tensor im2col(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
              IntArrayRef stride);
/// input [N, C * kH * kW, L] (or unbatched) -> [N, C, output_size...]: every block's entries added into
/// the positions they cover.
Tensor col2im(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride);

}  // namespace tg

#pragma GCC visibility pop
