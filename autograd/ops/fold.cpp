#include <string>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/im2col.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/autograd/ops/fold.hpp>

namespace tg {
using autograd::Node;
using autograd::record;

namespace {

struct BlockParams {
  std::array<std::int64_t, 2> kernel, dilation, padding, stride;
};

std::string pair(const std::array<std::int64_t, 2>& values) {
  std::string out = "(";
  out += std::to_string(values[0]);
  out += ", ";
  out += std::to_string(values[1]);
  return out + ")";
}

std::array<std::int64_t, 2> two(std::string_view op, std::string_view name, IntArrayRef values) {
  check(values.size() == 2, op, "It is expected ", name, " equals to 2, but got size ", values.size());
  return {values[0], values[1]};
}

BlockParams block_params(std::string_view op, IntArrayRef kernel_size, IntArrayRef dilation,
                         IntArrayRef padding, IntArrayRef stride) {
  BlockParams p{two(op, "kernel_size", kernel_size), two(op, "dilation", dilation),
                two(op, "padding", padding), two(op, "stride", stride)};
  check(p.kernel[0] > 0 && p.kernel[1] > 0, op,
        "kernel size should be greater than zero, but got kernel_height: ", p.kernel[0],
        " kernel_width: ", p.kernel[1]);
  check(p.dilation[0] > 0 && p.dilation[1] > 0, op,
        "dilation should be greater than zero, but got dilation_height: ", p.dilation[0],
        " dilation_width: ", p.dilation[1]);
  check(p.padding[0] >= 0 && p.padding[1] >= 0, op,
        "padding should be non-negative, but got pad_height: ", p.padding[0], " pad_width: ", p.padding[1]);
  check(p.stride[0] > 0 && p.stride[1] > 0, op,
        "stride should be greater than zero, but got stride_height: ", p.stride[0],
        " stride_width: ", p.stride[1]);
  return p;
}

std::array<std::int64_t, 2> block_counts(const BlockParams& p, std::int64_t height, std::int64_t width) {
  return {(height + 2 * p.padding[0] - p.dilation[0] * (p.kernel[0] - 1) - 1) / p.stride[0] + 1,
          (width + 2 * p.padding[1] - p.dilation[1] * (p.kernel[1] - 1) - 1) / p.stride[1] + 1};
}

kernels::ConvGeometry geometry(const BlockParams& p, std::int64_t channels, std::int64_t height,
                               std::int64_t width, const std::array<std::int64_t, 2>& blocks) {
  kernels::ConvGeometry g;
  g.channels = channels;
  g.input = {1, height, width};
  g.kernel = {1, p.kernel[0], p.kernel[1]};
  g.output = {1, blocks[0], blocks[1]};
  g.stride = {1, p.stride[0], p.stride[1]};
  g.padding = {0, p.padding[0], p.padding[1]};
  g.dilation = {1, p.dilation[0], p.dilation[1]};
  return g;
}

// Batched [N, C, H, W] -> [N, C·kH·kW, L] and back, one sample per pool chunk.
Tensor im2col_raw(const Tensor& input, const BlockParams& p) {
  const std::int64_t samples = input.size(0), channels = input.size(1);
  const auto blocks = block_counts(p, input.size(2), input.size(3));
  const auto g = geometry(p, channels, input.size(2), input.size(3), blocks);
  Tensor out = detail::make_contiguous({samples, g.column_rows(), g.output_numel()}, input.dtype(), "im2col");
  if (out.numel() == 0) return out;
  const Tensor x = input.detach().contiguous();
  const std::int64_t in_bytes =
      g.channels * g.input_numel() * static_cast<std::int64_t>(element_size(x.dtype()));
  const std::int64_t out_bytes =
      g.column_rows() * g.output_numel() * static_cast<std::int64_t>(element_size(x.dtype()));
  const auto* source = static_cast<const char*>(x.raw_data());
  auto* target = static_cast<char*>(out.raw_data());
  kernels::parallel_ranges(
      samples, samples > 1 ? kernels::chunk_count(samples, 1) : 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t n = begin; n < end; ++n)
          kernels::im2col(x.dtype(), source + n * in_bytes, target + n * out_bytes, g, g.output_numel());
      });
  return out;
}

Tensor col2im_raw(const Tensor& input, std::int64_t height, std::int64_t width, const BlockParams& p) {
  const std::int64_t samples = input.size(0), channels = input.size(1) / (p.kernel[0] * p.kernel[1]);
  const auto blocks = block_counts(p, height, width);
  const auto g = geometry(p, channels, height, width, blocks);
  Tensor out = detail::make_contiguous({samples, channels, height, width}, input.dtype(), "col2im");
  if (out.numel() == 0) return out;
  const Tensor cols = input.detach().contiguous();
  const std::int64_t in_bytes =
      g.column_rows() * g.output_numel() * static_cast<std::int64_t>(element_size(cols.dtype()));
  const std::int64_t out_bytes =
      g.channels * g.input_numel() * static_cast<std::int64_t>(element_size(cols.dtype()));
  const auto* source = static_cast<const char*>(cols.raw_data());
  auto* target = static_cast<char*>(out.raw_data());
  kernels::parallel_ranges(
      samples, samples > 1 ? kernels::chunk_count(samples, 1) : 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t n = begin; n < end; ++n)
          kernels::col2im(cols.dtype(), source + n * in_bytes, target + n * out_bytes, g, g.output_numel());
      });
  return out;
}

Tensor im2col_op(const Tensor& input, const BlockParams& p);
Tensor col2im_op(const Tensor& input, std::int64_t height, std::int64_t width, const BlockParams& p);

}  // namespace

// im2col and col2im are adjoint linear maps: each one's gradient is the other applied to the output gradient.
struct Im2ColBackward final : Node {
  BlockParams params;
  std::string_view name() const override { return "Im2ColBackward"; }
  tensor_list apply(tensor_list&& g) override {
    const Shape& sizes = input_meta()[0].sizes;
    return {col2im_op(g[0], sizes[2], sizes[3], params)};
  }
};

struct Col2ImBackward final : Node {
  BlockParams params;
  std::string_view name() const override { return "Col2ImBackward"; }
  tensor_list apply(tensor_list&& g) override { return {im2col_op(g[0], params)}; }
};

namespace {

Tensor im2col_op(const Tensor& input, const BlockParams& p) {
  Tensor out = im2col_raw(input, p);
  if (auto* node = record<Im2ColBackward>({input}, {out})) node->params = p;
  return out;
}

Tensor col2im_op(const Tensor& input, std::int64_t height, std::int64_t width, const BlockParams& p) {
  Tensor out = col2im_raw(input, height, width, p);
  if (auto* node = record<Col2ImBackward>({input}, {out})) node->params = p;
  return out;
}

}  // namespace

Tensor im2col(const Tensor& input, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding,
              IntArrayRef stride) {
  const std::string_view op = "im2col";
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  const BlockParams p = block_params(op, kernel_size, dilation, padding, stride);
  const bool batched = input.dim() == 4;
  check((input.dim() == 3 || batched) && input.size(-1) > 0 && input.size(-2) > 0 && input.size(-3) > 0, op,
        "Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
        "for "
        "input, but got: ",
        input.sizes());
  const auto blocks = block_counts(p, input.size(-2), input.size(-1));
  check(blocks[0] >= 1 && blocks[1] >= 1, op, "Given input with spatial size (", input.size(-2), ", ",
        input.size(-1), "), kernel_size=", pair(p.kernel), ", dilation=", pair(p.dilation),
        ", padding=", pair(p.padding), ", calculated shape of the array of sliding blocks as ", pair(blocks),
        ", but its components must be at least one.");
  if (batched) return im2col_op(input, p);
  return im2col_op(input.unsqueeze(0), p).squeeze(0);
}

Tensor col2im(const Tensor& input, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride) {
  const std::string_view op = "col2im";
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  const auto size = two(op, "output_size", output_size);
  const BlockParams p = block_params(op, kernel_size, dilation, padding, stride);
  check(size[0] > 0 && size[1] > 0, op,
        "output_size should be greater than zero, but got output_height: ", size[0],
        " output_width: ", size[1]);
  const bool batched = input.dim() == 3;
  check((input.dim() == 2 || batched) && input.size(-1) > 0 && input.size(-2) > 0, op,
        "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
        "for "
        "input, but got: ",
        input.sizes());
  const std::int64_t kernel_numel = p.kernel[0] * p.kernel[1];
  check(input.size(-2) % kernel_numel == 0, op,
        "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
        "input.size(1)=",
        input.size(-2), " and kernel_size=", pair(p.kernel));
  const auto blocks = block_counts(p, size[0], size[1]);
  check(blocks[0] >= 1 && blocks[1] >= 1 && blocks[0] * blocks[1] == input.size(-1), op,
        "Given output_size=", pair(size), ", kernel_size=", pair(p.kernel), ", dilation=", pair(p.dilation),
        ", padding=", pair(p.padding), ", stride=", pair(p.stride),
        ", expected size of input's dimension 2 to match the calculated number of sliding blocks ", blocks[0],
        " * ", blocks[1], " = ", blocks[0] * blocks[1], ", but got input.size(2)=", input.size(-1), ".");
  if (batched) return col2im_op(input, size[0], size[1], p);
  return col2im_op(input.unsqueeze(0), size[0], size[1], p).squeeze(0);
}

}  // namespace tg
