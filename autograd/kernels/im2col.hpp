#pragma once
// im2col / col2im for 1-, 2- and 3-d convolutions over contiguous channel-first images: the patch
// matrix that turns a convolution into a GEMM, and its adjoint (patches summed back into the image).
#include <array>
#include <cstdint>

#include <tapegrad/autograd/core/dtype.hpp>

namespace tg::kernels {

/// One image's convolution geometry. 1-d and 2-d convolutions use the trailing entries and leave the
/// leading ones at size 1, stride 1, padding 0, dilation 1 (depth, height, width order).
struct ConvGeometry {
  std::int64_t channels = 0;
  std::array<std::int64_t, 3> input{1, 1, 1};
  std::array<std::int64_t, 3> kernel{1, 1, 1};
  std::array<std::int64_t, 3> output{1, 1, 1};
  std::array<std::int64_t, 3> stride{1, 1, 1};
  std::array<std::int64_t, 3> padding{0, 0, 0};
  std::array<std::int64_t, 3> dilation{1, 1, 1};

  std::int64_t input_numel() const { return input[0] * input[1] * input[2]; }
  std::int64_t kernel_numel() const { return kernel[0] * kernel[1] * kernel[2]; }
  std::int64_t output_numel() const { return output[0] * output[1] * output[2]; }
  /// Rows of the patch matrix: channels x kernel positions (channel-major, as a weight [O, C, k...]).
  std::int64_t column_rows() const { return channels * kernel_numel(); }
  /// A 1x1 kernel, stride 1, no padding: the patch matrix is the image itself.
  bool is_pointwise() const;
};

/// columns[r, l] for r = (c, kernel position) and l = output position: the input element the kernel
/// position sees at that output position, or 0 in the padding. `image` is [channels, input...],
/// contiguous; row r of `columns` starts at r * row_stride (row_stride >= output_numel()). Splits the
/// channels over the thread pool when called outside a parallel chunk and the work is large.
void im2col(Dtype dtype, const void* image, void* columns, const ConvGeometry& geometry,
            std::int64_t row_stride);

/// The adjoint of im2col: image = sum of every column entry into the input element it was read from
/// (padding entries dropped). Overwrites `image` (contiguous [channels, input...]).
void col2im(Dtype dtype, const void* columns, void* image, const ConvGeometry& geometry,
            std::int64_t row_stride);

}  // namespace tg::kernels
