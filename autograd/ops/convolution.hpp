#pragma once
// Convolutions (1-, 2- and 3-d, grouped, strided, padded, dilated) and transposed convolutions, with
// ATen's signatures. Inputs are [N, C, spatial...] or unbatched [C, spatial...]; weights
// [out_channels, in_channels / groups, kernel...] (transposed: [in_channels, out_channels / groups,
// kernel...]). Computed as im2col + GEMM; backward is differentiable to any order.
#include <cstdint>
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// 1-d convolution of input [N, C, L] (or [C, L]) with weight [O, C / groups, k].
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, std::int64_t groups = 1);
/// padding "valid" (none) or "same" (output as large as the input; stride must be 1; an odd total
/// padding puts the extra element on the right, as PyTorch does).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation = 1, std::int64_t groups = 1);
/// 2-d convolution of input [N, C, H, W] (or [C, H, W]) with weight [O, C / groups, kH, kW].
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, std::int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation = 1, std::int64_t groups = 1);
/// 3-d convolution of input [N, C, D, H, W] (or [C, D, H, W]) with weight [O, C / groups, kD, kH, kW].
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, std::int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation = 1, std::int64_t groups = 1);

/// Transposed convolutions (the gradient of a convolution with respect to its input): input
/// [N, C_in, spatial...] (or unbatched), weight [C_in, C_out / groups, kernel...]. Each output size is
/// (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef output_padding = 0,
                        std::int64_t groups = 1, IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef output_padding = 0,
                        std::int64_t groups = 1, IntArrayRef dilation = 1);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef output_padding = 0,
                        std::int64_t groups = 1, IntArrayRef dilation = 1);

/// at::convolution: batched input only; the spatial rank is the weight's rank - 2; stride, padding,
/// dilation and output_padding hold one value per spatial dim (or one for all).
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                   IntArrayRef padding, IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                   std::int64_t groups);

}  // namespace tg

#pragma GCC visibility pop
