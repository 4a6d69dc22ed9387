// Pooling ops. Each op turns its arguments into per-dim window tables (kernels/pooling.hpp) and runs one
// loop over contiguous planes. Gradients, all differentiable again:
// - max pooling gathers input positions by the indices, so its backward scatters-adds the gradient to them;
//   the scatter's backward is the gather (double backward), and max_unpool is a scatter as well;
// - average pooling is linear: its backward is its adjoint (spread each output's gradient over its window,
//   divided by the same divisor), and the adjoint's backward is average pooling again.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/kernels/pooling.hpp>
#include <tapegrad/autograd/ops/pooling.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using kernels::PoolAxis;
using kernels::PoolGeometry;

namespace {

// ---- Differentiable building blocks on [planes..., spatial...] tensors: `spatial` trailing dims form a
// plane, every index addresses a plane position.

std::int64_t leading_numel(IntArrayRef sizes, std::int64_t spatial) {
  std::int64_t n = 1;
  for (std::int64_t d = 0; d + spatial < static_cast<std::int64_t>(sizes.size()); ++d) n *= sizes[d];
  return n;
}

Tensor gather_planes(const Tensor& source, const Tensor& indices, std::int64_t spatial);
Tensor scatter_planes(const Tensor& values, const Tensor& indices, IntArrayRef result_sizes,
                      std::int64_t spatial, bool accumulate, std::string_view label);

// d(gather)/d(source): the gradient goes back to the gathered positions, summed where they repeat.
struct GatherPlanesBackward final : Node {
  std::string_view label = "GatherPlanesBackward";
  Tensor indices;
  Shape source_sizes;
  std::int64_t spatial = 0;
  std::string_view name() const override { return label; }
  void release_saved() override { indices = Tensor(); }
  tensor_list apply(tensor_list&& grads) override {
    return {scatter_planes(grads[0], indices, source_sizes, spatial, true, "ScatterAddPlanesBackward")};
  }
};

// d(scatter)/d(values): each value's gradient is read back from where it was put.
struct ScatterPlanesBackward final : Node {
  std::string_view label = "ScatterAddPlanesBackward";
  Tensor indices;
  std::int64_t spatial = 0;
  std::string_view name() const override { return label; }
  void release_saved() override { indices = Tensor(); }
  tensor_list apply(tensor_list&& grads) override { return {gather_planes(grads[0], indices, spatial)}; }
};

Tensor gather_planes(const Tensor& source, const Tensor& indices, std::int64_t spatial) {
  Tensor out = detail::make_contiguous(indices.sizes(), source.dtype(), "gather");
  kernels::gather_planes(source.detach().contiguous(), indices, leading_numel(indices.sizes(), spatial), out);
  if (auto* node = record<GatherPlanesBackward>({source}, {out})) {
    node->indices = indices;
    node->source_sizes = source.sizes();
    node->spatial = spatial;
  }
  return out;
}

Tensor scatter_planes(const Tensor& values, const Tensor& indices, IntArrayRef result_sizes,
                      std::int64_t spatial, bool accumulate, std::string_view label) {
  Tensor out = detail::make_contiguous(result_sizes, values.dtype(), "scatter");
  kernels::scatter_planes(values.detach().contiguous(), indices, leading_numel(result_sizes, spatial), out,
                          accumulate);
  if (auto* node = record<ScatterPlanesBackward>({values}, {out})) {
    node->label = label;
    node->indices = indices;
    node->spatial = spatial;
  }
  return out;
}

Tensor avg_pool_forward(const std::shared_ptr<const PoolGeometry>& geometry, const Tensor& input,
                        IntArrayRef output_sizes, std::string_view label);
Tensor avg_pool_adjoint(const std::shared_ptr<const PoolGeometry>& geometry, const Tensor& grad,
                        IntArrayRef input_sizes);

// Average pooling is linear; its gradient is its adjoint applied to the output gradient.
struct AvgPoolBackward final : Node {
  std::string_view label = "AvgPoolBackward";
  std::shared_ptr<const PoolGeometry> geometry;
  Shape input_sizes;
  std::string_view name() const override { return label; }
  tensor_list apply(tensor_list&& grads) override {
    return {avg_pool_adjoint(geometry, grads[0], input_sizes)};
  }
};

// The adjoint's adjoint is average pooling.
struct AvgPoolAdjointBackward final : Node {
  std::shared_ptr<const PoolGeometry> geometry;
  Shape output_sizes;
  std::string_view name() const override { return "AvgPoolBackwardBackward"; }
  tensor_list apply(tensor_list&& grads) override {
    return {avg_pool_forward(geometry, grads[0], output_sizes, "AvgPoolBackward")};
  }
};

Tensor avg_pool_forward(const std::shared_ptr<const PoolGeometry>& geometry, const Tensor& input,
                        IntArrayRef output_sizes, std::string_view label) {
  Tensor out = detail::make_contiguous(output_sizes, input.dtype(), "avg_pool");
  kernels::avg_pool(*geometry, input.detach().contiguous(), out);
  if (auto* node = record<AvgPoolBackward>({input}, {out})) {
    node->label = label;
    node->geometry = geometry;
    node->input_sizes = input.sizes();
  }
  return out;
}

Tensor avg_pool_adjoint(const std::shared_ptr<const PoolGeometry>& geometry, const Tensor& grad,
                        IntArrayRef input_sizes) {
  Tensor out = detail::make_contiguous(input_sizes, grad.dtype(), "avg_pool");
  kernels::avg_pool_adjoint(*geometry, grad.detach().contiguous(), out);
  if (auto* node = record<AvgPoolAdjointBackward>({grad}, {out})) {
    node->geometry = geometry;
    node->output_sizes = grad.sizes();
  }
  return out;
}

// ---- Argument checks and window tables.

std::string ints_word(std::int64_t spatial) {
  return spatial == 1 ? "one int" : spatial == 2 ? "two ints" : "three ints";
}

// Node names as PyTorch prints them, per op and dim count.
std::string_view node_label(std::string_view family, std::int64_t spatial) {
  static constexpr std::string_view max_names[] = {
      "MaxPool1DWithIndicesBackward", "MaxPool2DWithIndicesBackward", "MaxPool3DWithIndicesBackward"};
  static constexpr std::string_view avg_names[] = {"AvgPool1DBackward", "AvgPool2DBackward",
                                                   "AvgPool3DBackward"};
  static constexpr std::string_view adaptive_avg_names[] = {
      "AdaptiveAvgPool1DBackward", "AdaptiveAvgPool2DBackward", "AdaptiveAvgPool3DBackward"};
  static constexpr std::string_view adaptive_max_names[] = {
      "AdaptiveMaxPool1DBackward", "AdaptiveMaxPool2DBackward", "AdaptiveMaxPool3DBackward"};
  static constexpr std::string_view unpool_names[] = {"MaxUnpool1DBackward", "MaxUnpool2DBackward",
                                                      "MaxUnpool3DBackward"};
  const auto i = static_cast<std::size_t>(spatial - 1);
  if (family == "max") return max_names[i];
  if (family == "avg") return avg_names[i];
  if (family == "adaptive_avg") return adaptive_avg_names[i];
  if (family == "adaptive_max") return adaptive_max_names[i];
  return unpool_names[i];
}

// One value per pooled dim from a list of one or `spatial` values.
std::array<std::int64_t, 3> per_dim(std::string_view op, std::int64_t spatial, IntArrayRef values,
                                    std::string_view what, std::string_view phrase) {
  check(values.size() == 1 || static_cast<std::int64_t>(values.size()) == spatial, op, what, phrase,
        ints_word(spatial), ", got ", values);
  std::array<std::int64_t, 3> out{1, 1, 1};
  for (std::int64_t d = 0; d < spatial; ++d)
    out[static_cast<std::size_t>(d)] = values[values.size() == 1 ? 0 : d];
  return out;
}

// The input must be [C, spatial...] or [N, C, spatial...]; only N may be zero.
void check_pool_input(std::string_view op, std::int64_t spatial, const Tensor& input) {
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  const std::int64_t rank = input.dim();
  if (spatial == 1)
    check(rank == 2 || rank == 3, op, "Expected 2 to 3 dimensions, but got ", rank,
          "-dimensional tensor for argument #1 'self' (shape ", input.sizes(), ")");
  else
    check(rank == spatial + 1 || rank == spatial + 2, op, "non-empty ", spatial + 1, "D or ", spatial + 2,
          "D (batch mode) tensor expected for input, but got shape ", input.sizes());
  for (std::int64_t d = rank == spatial + 2 ? 1 : 0; d < rank; ++d)
    check(input.size(d) > 0, op, "Expected ", spatial + 1, "D or ", spatial + 2,
          "D (batch mode) tensor with optional 0 dim batch size for input, but got:", input.sizes());
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

struct WindowArgs {
  std::array<std::int64_t, 3> kernel, stride, padding, dilation;
};

WindowArgs window_args(std::string_view op, std::int64_t spatial, IntArrayRef kernel_size, IntArrayRef stride,
                       IntArrayRef padding, IntArrayRef dilation) {
  WindowArgs a;
  a.kernel = per_dim(op, spatial, kernel_size, "kernel_size", " must either be a single int, or a tuple of ");
  a.stride = stride.empty() ? a.kernel
                            : per_dim(op, spatial, stride, "stride",
                                      " must either be omitted, a single int, or a tuple of ");
  a.padding = per_dim(op, spatial, padding, "padding", " must either be a single int, or a tuple of ");
  a.dilation = per_dim(op, spatial, dilation, "dilation", " must be either a single int, or a tuple of ");
  for (std::size_t d = 0; d < static_cast<std::size_t>(spatial); ++d) {
    check(a.kernel[d] > 0, op, "kernel size should be greater than zero, but got kernel_size=", kernel_size);
    check(a.stride[d] != 0, op, "stride should not be zero");
    check(a.stride[d] > 0, op, "stride should be greater than zero, but got stride=", stride);
    check(a.dilation[d] > 0, op, "dilation should be greater than zero, but got dilation=", dilation);
    check(a.padding[d] >= 0, op, "pad must be non-negative, but got pad=", padding);
    check(a.padding[d] <= a.kernel[d] / 2, op,
          "pad should be at most half of kernel size, but got pad=", a.padding[d],
          " and kernel_size=", a.kernel[d]);
  }
  return a;
}

// PyTorch's pooling output size: windows that start inside the input or its left padding.
std::int64_t pooled_size(std::int64_t input, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                         std::int64_t dilation, bool ceil_mode) {
  const std::int64_t span = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  std::int64_t out = floor_div(span, stride) + 1;
  if (ceil_mode && (out - 1) * stride >= input + pad) --out;
  return out;
}

std::string size_text(const Tensor& input, std::int64_t spatial, const Shape& spatial_sizes) {
  std::ostringstream text;
  text << '(' << input.size(input.dim() - spatial - 1);
  for (std::int64_t s : spatial_sizes) text << 'x' << s;
  text << ')';
  return text.str();
}

enum class WindowKind { Max, Avg };

// The windows of a strided pool; output spatial sizes go to `spatial_out`.
PoolGeometry strided_geometry(std::string_view op, WindowKind kind, std::int64_t spatial, const Tensor& input,
                              const WindowArgs& a, bool ceil_mode, bool count_include_pad, Shape& spatial_out,
                              bool allow_empty_output = false) {
  PoolGeometry g;
  Shape spatial_in;
  spatial_out.clear();
  for (std::int64_t d = 0; d < spatial; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const std::int64_t n = input.size(input.dim() - spatial + d);
    spatial_in.push_back(n);
    spatial_out.push_back(pooled_size(n, a.kernel[i], a.stride[i], a.padding[i], a.dilation[i], ceil_mode));
  }
  bool too_small = false;
  for (std::int64_t s : spatial_out) too_small = too_small || s < (allow_empty_output ? 0 : 1);
  check(!too_small, op, "Given input size: ", size_text(input, spatial, spatial_in),
        ". Calculated output size: ", size_text(input, spatial, spatial_out), ". Output size is too small");
  for (std::int64_t d = 0; d < spatial; ++d) {
    const auto i = static_cast<std::size_t>(d);
    PoolAxis& axis = g.axes[static_cast<std::size_t>(3 - spatial + d)];
    const std::int64_t n = spatial_in[i], out = std::max<std::int64_t>(spatial_out[i], 0);
    const std::int64_t k = a.kernel[i], s = a.stride[i], p = a.padding[i], dil = a.dilation[i];
    axis.input_size = n;
    axis.step = kind == WindowKind::Max ? dil : 1;
    axis.first.assign(static_cast<std::size_t>(out), 0);
    axis.count.assign(static_cast<std::size_t>(out), 0);
    axis.divisor_count.assign(static_cast<std::size_t>(out), 1);
    for (std::int64_t o = 0; o < out; ++o) {
      const auto oi = static_cast<std::size_t>(o);
      const std::int64_t start = o * s - p;
      if (kind == WindowKind::Max) {
        const std::int64_t first_tap = start < 0 ? (-start + dil - 1) / dil : 0;
        const std::int64_t last_tap = std::min(k - 1, floor_div(n - 1 - start, dil));
        axis.first[oi] = start + first_tap * dil;
        axis.count[oi] = std::max<std::int64_t>(last_tap - first_tap + 1, 0);
      } else {
        const std::int64_t end = std::min(start + k, n + p);
        const std::int64_t begin = std::max<std::int64_t>(start, 0), stop = std::min(end, n);
        axis.first[oi] = begin;
        axis.count[oi] = std::max<std::int64_t>(stop - begin, 0);
        axis.divisor_count[oi] = count_include_pad ? end - start : axis.count[oi];
      }
    }
  }
  return g;
}

Shape with_spatial(const Tensor& input, std::int64_t spatial, const Shape& spatial_sizes) {
  Shape sizes(input.sizes().begin(), input.sizes().end() - spatial);
  sizes.insert(sizes.end(), spatial_sizes.begin(), spatial_sizes.end());
  return sizes;
}

std::tuple<Tensor, Tensor> max_pool(const PoolGeometry& g, std::string_view label, std::int64_t spatial,
                                    const Tensor& input, const Shape& output_sizes) {
  Tensor values = detail::make_contiguous(output_sizes, input.dtype(), "max_pool");
  Tensor indices = detail::make_contiguous(output_sizes, kInt64, "max_pool");
  kernels::max_pool(g, input.detach().contiguous(), values, indices);
  if (auto* node = record<GatherPlanesBackward>({input}, {values})) {
    node->label = label;
    node->indices = indices;
    node->source_sizes = input.sizes();
    node->spatial = spatial;
  }
  return {values, indices};
}

std::tuple<Tensor, Tensor> max_pool_nd(std::string_view op, std::int64_t spatial, const Tensor& self,
                                       IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                                       IntArrayRef dilation, bool ceil_mode,
                                       bool allow_empty_output = false) {
  check_pool_input(op, spatial, self);
  const WindowArgs a = window_args(op, spatial, kernel_size, stride, padding, dilation);
  Shape spatial_out;
  const PoolGeometry g = strided_geometry(op, WindowKind::Max, spatial, self, a, ceil_mode, false,
                                          spatial_out, allow_empty_output);
  return max_pool(g, node_label("max", spatial), spatial, self, with_spatial(self, spatial, spatial_out));
}

Tensor avg_pool_nd(std::string_view op, std::int64_t spatial, const Tensor& self, IntArrayRef kernel_size,
                   IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                   std::optional<std::int64_t> divisor_override) {
  check_pool_input(op, spatial, self);
  const WindowArgs a = window_args(op, spatial, kernel_size, stride, padding, 1);
  check(!divisor_override || *divisor_override != 0, op, "divisor must be not zero");
  Shape spatial_out;
  auto g = std::make_shared<PoolGeometry>(
      strided_geometry(op, WindowKind::Avg, spatial, self, a, ceil_mode, count_include_pad, spatial_out));
  g->divisor_override = divisor_override.value_or(0);
  return avg_pool_forward(g, self, with_spatial(self, spatial, spatial_out), node_label("avg", spatial));
}

// Adaptive windows: [floor(o * n / size), ceil((o + 1) * n / size)).
PoolGeometry adaptive_geometry(std::string_view op, std::int64_t spatial, const Tensor& input,
                               IntArrayRef output_size, Shape& spatial_out) {
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  check(static_cast<std::int64_t>(output_size.size()) == spatial, op, "output_size must be ", spatial,
        " values, got ", output_size);
  const std::int64_t rank = input.dim();
  check(rank == spatial + 1 || rank == spatial + 2, op, "Expected ", spatial + 1, "D or ", spatial + 2,
        "D tensor, but got ", input.sizes());
  for (std::int64_t d = rank == spatial + 2 ? 1 : 0; d < rank; ++d)
    check(input.size(d) > 0, op,
          "Expected input to have non-zero size for non-batch dimensions, but input has sizes ",
          input.sizes(), " with dimension ", d, " being empty");
  bool negative = false;
  for (std::int64_t s : output_size) negative = negative || s < 0;
  check(!negative, op, "elements of output_size must be greater than or equal to 0 but received ",
        output_size);
  PoolGeometry g;
  spatial_out = Shape(output_size.begin(), output_size.end());
  for (std::int64_t d = 0; d < spatial; ++d) {
    PoolAxis& axis = g.axes[static_cast<std::size_t>(3 - spatial + d)];
    const std::int64_t n = input.size(rank - spatial + d), out = output_size[d];
    axis.input_size = n;
    axis.first.assign(static_cast<std::size_t>(out), 0);
    axis.count.assign(static_cast<std::size_t>(out), 0);
    axis.divisor_count.assign(static_cast<std::size_t>(out), 0);
    for (std::int64_t o = 0; o < out; ++o) {
      const auto oi = static_cast<std::size_t>(o);
      const std::int64_t begin = o * n / out, end = ((o + 1) * n + out - 1) / out;
      axis.first[oi] = begin;
      axis.count[oi] = end - begin;
      axis.divisor_count[oi] = end - begin;
    }
  }
  return g;
}

Tensor adaptive_avg_pool_nd(std::string_view op, std::int64_t spatial, const Tensor& self,
                            IntArrayRef output_size) {
  Shape spatial_out;
  auto g = std::make_shared<PoolGeometry>(adaptive_geometry(op, spatial, self, output_size, spatial_out));
  return avg_pool_forward(g, self, with_spatial(self, spatial, spatial_out),
                          node_label("adaptive_avg", spatial));
}

std::tuple<Tensor, Tensor> adaptive_max_pool_nd(std::string_view op, std::int64_t spatial, const Tensor& self,
                                                IntArrayRef output_size) {
  Shape spatial_out;
  const PoolGeometry g = adaptive_geometry(op, spatial, self, output_size, spatial_out);
  return max_pool(g, node_label("adaptive_max", spatial), spatial, self,
                  with_spatial(self, spatial, spatial_out));
}

Tensor max_unpool_nd(std::string_view op, std::int64_t spatial, const Tensor& self, const Tensor& indices,
                     IntArrayRef output_size) {
  detail::check_defined(op, "input", self);
  detail::check_defined(op, "indices", indices);
  detail::check_floating(op, "input", self);
  check(indices.dtype() == kInt64, op, "elements in indices should be type int64 but got: ", indices.dtype());
  static constexpr std::string_view names[] = {"(length)", "(height, width)", "(depth, height, width)"};
  check(static_cast<std::int64_t>(output_size.size()) == spatial, op, "There should be exactly ", spatial,
        " elements ", names[spatial - 1], " in output_size, but got ", output_size.size(), " elements.");
  const std::int64_t rank = self.dim();
  check(rank == spatial + 1 || rank == spatial + 2, op, "Input to max_unpooling", spatial, "d should be a ",
        spatial + 1, "d or ", spatial + 2, "d Tensor, but got a tensor with ", rank, " dimensions (shape ",
        self.sizes(), ")");
  check(indices.sizes() == self.sizes(), op,
        "Expected shape of indices to be same as that of the input tensor (", self.sizes(),
        ") but got indices tensor with shape: ", indices.sizes());
  for (std::int64_t d = rank == spatial + 2 ? 1 : 0; d < rank; ++d)
    check(self.size(d) > 0, op, "Expected input to have non-zero size for non-batch dimensions, but got ",
          self.sizes(), " with dimension ", d, " being empty");
  Shape spatial_out(output_size.begin(), output_size.end());
  const Shape out_sizes = with_spatial(self, spatial, spatial_out);
  const std::int64_t plane = shape_numel(spatial_out);
  const Tensor positions = indices.contiguous();
  const std::int64_t* at = positions.data_ptr<std::int64_t>();
  for (std::int64_t j = 0; j < positions.numel(); ++j) {
    if (at[j] >= 0 && at[j] < plane) [[likely]]
      continue;
    std::ostringstream volume;
    for (std::size_t d = 0; d < spatial_out.size(); ++d) volume << (d ? "x" : "") << spatial_out[d];
    check(false, op, "Found an invalid max index: ", at[j], " (output volumes are of size ", volume.str(),
          ")");
  }
  return scatter_planes(self, positions, out_sizes, spatial, false, node_label("unpool", spatial));
}

}  // namespace

Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  // PyTorch's max_pool1d (without indices) returns an empty output where the 2-d op would refuse.
  return std::get<0>(
      max_pool_nd("max_pool1d", 1, self, kernel_size, stride, padding, dilation, ceil_mode, true));
}
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(max_pool_nd("max_pool2d", 2, self, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor max_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(max_pool_nd("max_pool3d", 3, self, kernel_size, stride, padding, dilation, ceil_mode));
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool1d_with_indices", 1, self, kernel_size, stride, padding, dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d_with_indices", 2, self, kernel_size, stride, padding, dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool3d_with_indices", 3, self, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd("avg_pool1d", 1, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     std::nullopt);
}
Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<std::int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", 2, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override);
}
Tensor avg_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  bool ceil_mode, bool count_include_pad, std::optional<std::int64_t> divisor_override) {
  return avg_pool_nd("avg_pool3d", 3, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override);
}

Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool1d", 1, self, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool2d", 2, self, output_size);
}
Tensor adaptive_avg_pool3d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool3d", 3, self, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool1d", 1, self, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool2d", 2, self, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& self, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool3d", 3, self, output_size);
}

Tensor max_unpool1d(const Tensor& self, const Tensor& indices, IntArrayRef output_size) {
  return max_unpool_nd("max_unpool1d", 1, self, indices, output_size);
}
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size) {
  return max_unpool_nd("max_unpool2d", 2, self, indices, output_size);
}
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size, IntArrayRef stride,
                    IntArrayRef padding) {
  check(stride.size() == 3, "max_unpool3d",
        "There should be exactly three elements (depth, height, width) in stride, but got: ", stride.size(),
        " elements.");
  check(padding.size() == 3, "max_unpool3d",
        "There should be exactly three elements (depth, height, width) in padding, but got: ", padding.size(),
        " elements.");
  for (std::int64_t s : stride)
    check(s > 0, "max_unpool3d", "strides should be greater than zero, but got stride: ", stride);
  return max_unpool_nd("max_unpool3d", 3, self, indices, output_size);
}

}  // namespace tg
