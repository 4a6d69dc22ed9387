#include <algorithm>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/im2col.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>

namespace tg::kernels {

bool ConvGeometry::is_pointwise() const {
  for (std::size_t d = 0; d < 3; ++d)
    if (kernel[d] != 1 || stride[d] != 1 || padding[d] != 0 || input[d] != output[d]) return false;
  return true;
}

namespace {

// The output positions o in [0, outputs) whose input position o * stride - padding + offset lies in
// [0, inputs): one contiguous range [first, last).
struct ValidRange {
  std::int64_t first;
  std::int64_t last;
};

ValidRange valid_outputs(std::int64_t outputs, std::int64_t inputs, std::int64_t stride, std::int64_t padding,
                         std::int64_t offset) {
  // o * stride >= padding - offset, and o * stride <= inputs - 1 + padding - offset.
  const std::int64_t low = padding - offset, high = inputs - 1 + padding - offset;
  std::int64_t first = low <= 0 ? 0 : (low + stride - 1) / stride;
  std::int64_t last = high < 0 ? 0 : high / stride + 1;
  first = std::min(first, outputs);
  last = std::clamp(last, first, outputs);
  return {first, last};
}

// Visits every (channel, kernel position, output depth, output height) row segment of the patch
// matrix: segment(column_row_pointer_offset, image_row_offset or -1 when the row lies in the padding,
// valid width range, input width offset of output 0).
template <class Segment>
void for_each_segment(const ConvGeometry& g, std::int64_t channel_begin, std::int64_t channel_end,
                      std::int64_t row_stride, Segment segment) {
  const std::int64_t kernel_numel = g.kernel_numel();
  const std::int64_t in_plane = g.input[1] * g.input[2], in_volume = g.input_numel();
  for (std::int64_t c = channel_begin; c < channel_end; ++c) {
    for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const std::int64_t row = c * kernel_numel + (kd * g.kernel[1] + kh) * g.kernel[2] + kw;
          const std::int64_t width_offset = kw * g.dilation[2] - g.padding[2];
          const ValidRange width =
              valid_outputs(g.output[2], g.input[2], g.stride[2], g.padding[2], kw * g.dilation[2]);
          for (std::int64_t od = 0; od < g.output[0]; ++od) {
            const std::int64_t id = od * g.stride[0] - g.padding[0] + kd * g.dilation[0];
            for (std::int64_t oh = 0; oh < g.output[1]; ++oh) {
              const std::int64_t ih = oh * g.stride[1] - g.padding[1] + kh * g.dilation[1];
              const bool inside = id >= 0 && id < g.input[0] && ih >= 0 && ih < g.input[1];
              const std::int64_t column = row * row_stride + (od * g.output[1] + oh) * g.output[2];
              const std::int64_t image = inside ? c * in_volume + id * in_plane + ih * g.input[2] : -1;
              segment(column, image, width, width_offset);
            }
          }
        }
  }
}

// Channel ranges over the pool when the patch matrix is large enough to pay for it.
template <class Body>
void over_channels(const ConvGeometry& g, Body body) {
  const std::int64_t per_channel = std::max<std::int64_t>(g.kernel_numel() * g.output_numel(), 1);
  const std::int64_t chunks =
      chunk_count(g.channels, std::max<std::int64_t>(kParallelThreshold / per_channel, 1));
  parallel_ranges(g.channels, chunks, body);
}

template <class T>
void im2col_typed(const T* image, T* columns, const ConvGeometry& g, std::int64_t row_stride) {
  const std::int64_t width = g.output[2], stride = g.stride[2];
  over_channels(g, [&](std::int64_t begin, std::int64_t end) {
    for_each_segment(g, begin, end, row_stride,
                     [&](std::int64_t column, std::int64_t source, ValidRange valid, std::int64_t offset) {
                       T* out = columns + column;
                       if (source < 0) {
                         std::fill(out, out + width, T(0));
                         return;
                       }
                       const T* in = image + source;
                       std::fill(out, out + valid.first, T(0));
                       if (valid.first >= valid.last) {
                         // nothing inside the image on this row
                       } else if (stride == 1) {
                         std::copy(in + valid.first + offset, in + valid.last + offset, out + valid.first);
                       } else {
                         for (std::int64_t o = valid.first; o < valid.last; ++o)
                           out[o] = in[o * stride + offset];
                       }
                       std::fill(out + valid.last, out + width, T(0));
                     });
  });
}

template <class T>
void col2im_typed(const T* columns, T* image, const ConvGeometry& g, std::int64_t row_stride) {
  const std::int64_t stride = g.stride[2], volume = g.input_numel();
  over_channels(g, [&](std::int64_t begin, std::int64_t end) {
    std::fill(image + begin * volume, image + end * volume, T(0));
    for_each_segment(g, begin, end, row_stride,
                     [&](std::int64_t column, std::int64_t target, ValidRange valid, std::int64_t offset) {
                       if (target < 0) return;
                       const T* in = columns + column;
                       T* out = image + target;
                       for (std::int64_t o = valid.first; o < valid.last; ++o)
                         out[o * stride + offset] += in[o];
                     });
  });
}

}  // namespace

void im2col(Dtype dtype, const void* image, void* columns, const ConvGeometry& geometry,
            std::int64_t row_stride) {
  dispatch_floating("im2col", dtype, [&]<class T>() {
    im2col_typed(static_cast<const T*>(image), static_cast<T*>(columns), geometry, row_stride);
  });
}

void col2im(Dtype dtype, const void* columns, void* image, const ConvGeometry& geometry,
            std::int64_t row_stride) {
  dispatch_floating("col2im", dtype, [&]<class T>() {
    col2im_typed(static_cast<const T*>(columns), static_cast<T*>(image), geometry, row_stride);
  });
}

}  // namespace tg::kernels
