#pragma once
// Upsampling (resizing) of the last 1, 2 or 3 dims with libtorch's (at::) signatures: nearest, nearest-exact,
// linear / bilinear / trilinear and bicubic, align_corners either way. An input is [N, C, spatial...].
// `scales` are the scale factors the caller asked for (F::interpolate passes them unless
// recompute_scale_factor): given, they set the source coordinates (as 1 / scale) instead of in / out sizes.
// Each dim is resized in turn as a gather of its neighbouring positions with weights, so the ops are
// differentiable twice.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Output position o reads input floor(o * scale) (scale: in / out, or 1 / scales).
Tensor upsample_nearest1d(const Tensor& self, IntArrayRef output_size,
                          std::optional<double> scales = std::nullopt);
Tensor upsample_nearest2d(const Tensor& self, IntArrayRef output_size,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
Tensor upsample_nearest3d(const Tensor& self, IntArrayRef output_size,
                          std::optional<double> scales_d = std::nullopt,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
/// PyTorch's "nearest-exact": position o reads floor((o + 0.5) * scale), the nearest pixel centre.
Tensor _upsample_nearest_exact1d(const Tensor& self, IntArrayRef output_size,
                                 std::optional<double> scales = std::nullopt);
Tensor _upsample_nearest_exact2d(const Tensor& self, IntArrayRef output_size,
                                 std::optional<double> scales_h = std::nullopt,
                                 std::optional<double> scales_w = std::nullopt);
Tensor _upsample_nearest_exact3d(const Tensor& self, IntArrayRef output_size,
                                 std::optional<double> scales_d = std::nullopt,
                                 std::optional<double> scales_h = std::nullopt,
                                 std::optional<double> scales_w = std::nullopt);
/// Linear interpolation between the two nearest input positions. align_corners: the corner pixels'
/// centres of input and output coincide; otherwise their outer edges do (and sources are clamped to 0).
Tensor upsample_linear1d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales = std::nullopt);
Tensor upsample_bilinear2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h = std::nullopt,
                           std::optional<double> scales_w = std::nullopt);
Tensor upsample_trilinear3d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                            std::optional<double> scales_d = std::nullopt,
                            std::optional<double> scales_h = std::nullopt,
                            std::optional<double> scales_w = std::nullopt);
/// Cubic convolution (a = -0.75) over the four nearest positions per dim, the edge repeated outside.
Tensor upsample_bicubic2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                          std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);

}  // namespace tg

#pragma GCC visibility pop
