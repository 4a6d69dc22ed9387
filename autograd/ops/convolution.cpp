#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/dnnl_conv.hpp>
#include <tapegrad/autograd/kernels/im2col.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/convolution.hpp>
#include <tapegrad/autograd/ops/padding.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

// Note [Convolution as three closed ops]
// With x [N, C, in...], w [O, C / groups, k...] and y [N, O, out...], a convolution is y = F(x, w), and
// its two gradients are again bilinear maps of the same family:
//   dx = Fᵀ(dy, w)  (the transposed convolution: GEMM with wᵀ, then col2im)
//   dw = W(x, dy)   (im2col of x times dyᵀ, summed over the batch).
// Each of F, Fᵀ and W is recorded as an op whose gradients are the other two:
//   z = Fᵀ(g, w):  dg = F(dz, w),  dw = W(dz, g)
//   z = W(x, g):   dx = Fᵀ(g, dz), dg = F(x, dz)
// so backward is differentiable to any order, and a transposed convolution is just Fᵀ.
namespace {

struct ConvParams {
  std::size_t dims = 2;  // spatial rank, 1 to 3
  Shape stride, padding, dilation;
  std::int64_t groups = 1;
};

IntArrayRef spatial(IntArrayRef sizes) {
  return IntArrayRef(std::span<const std::int64_t>(sizes.begin() + 2, sizes.end()));
}

Shape conv_output_spatial(const ConvParams& p, IntArrayRef input_spatial, IntArrayRef kernel_spatial) {
  Shape out;
  for (std::size_t d = 0; d < p.dims; ++d)
    out.push_back((input_spatial[d] + 2 * p.padding[d] - p.dilation[d] * (kernel_spatial[d] - 1) - 1) /
                      p.stride[d] +
                  1);
  return out;
}

kernels::ConvGeometry make_geometry(const ConvParams& p, std::int64_t channels, IntArrayRef input_spatial,
                                    IntArrayRef kernel_spatial, IntArrayRef output_spatial) {
  kernels::ConvGeometry g;
  g.channels = channels;
  const std::size_t skip = 3 - p.dims;
  for (std::size_t d = 0; d < p.dims; ++d) {
    g.input[skip + d] = input_spatial[d];
    g.kernel[skip + d] = kernel_spatial[d];
    g.output[skip + d] = output_spatial[d];
    g.stride[skip + d] = p.stride[d];
    g.padding[skip + d] = p.padding[d];
    g.dilation[skip + d] = p.dilation[d];
  }
  return g;
}

Shape concat_sizes(std::int64_t a, std::int64_t b, IntArrayRef rest) {
  Shape sizes{a, b};
  sizes.insert(sizes.end(), rest.begin(), rest.end());
  return sizes;
}

// Runs body(begin, end, chunk) over ranges of samples. Several samples are split over the thread pool
// (each chunk's GEMMs then run on one thread, its patch matrix stays in that core's cache); a single
// sample is one range whose GEMMs and im2col use the pool themselves.
std::int64_t sample_chunks(std::int64_t samples) {
  return samples > 1 ? kernels::chunk_count(samples, 1) : 1;
}

template <class Body>
void over_samples(std::int64_t samples, std::int64_t chunks, const Body& body) {
  if (chunks <= 1) {
    if (samples > 0) body(std::int64_t{0}, samples, std::int64_t{0});
    return;
  }
  kernels::parallel_chunks(chunks, [&](std::int64_t chunk) {
    body(kernels::chunk_begin(samples, chunks, chunk), kernels::chunk_begin(samples, chunks, chunk + 1),
         chunk);
  });
}

kernels::MatrixView matrix(const void* data, std::int64_t rows, std::int64_t cols, std::int64_t row_stride,
                           std::int64_t col_stride) {
  return kernels::MatrixView{data, rows, cols, row_stride, col_stride};
}

// The sizes every raw kernel below shares, from the geometry (C = geometry channels) and O, groups.
struct GemmSizes {
  std::int64_t out_channels, groups, positions, column_rows, group_out, group_rows, in_volume, out_volume;
  GemmSizes(const kernels::ConvGeometry& g, std::int64_t out_channels_, std::int64_t groups_)
      : out_channels(out_channels_),
        groups(groups_),
        positions(g.output_numel()),
        column_rows(g.column_rows()),
        group_out(out_channels_ / groups_),
        group_rows(g.column_rows() / groups_),
        in_volume(g.channels * g.input_numel()),
        out_volume(out_channels_ * g.output_numel()) {}
};

// ---- F: out[n] = w · im2col(x[n]) (+ bias), per group.
template <class T>
void forward_kernel(Dtype dtype, const T* x, const T* w, const T* bias, T* out, std::int64_t samples,
                    const kernels::ConvGeometry& g, const GemmSizes& s) {
  const bool pointwise = g.is_pointwise();
  const std::int64_t L = s.positions;
  over_samples(samples, sample_chunks(samples), [&](std::int64_t begin, std::int64_t end, std::int64_t) {
    Tensor buffer = pointwise ? Tensor() : detail::make_contiguous({s.column_rows * L}, dtype, "conv");
    T* columns = pointwise ? nullptr : buffer.data_ptr<T>();
    for (std::int64_t n = begin; n < end; ++n) {
      const T* x_n = x + n * s.in_volume;
      T* out_n = out + n * s.out_volume;
      if (bias != nullptr)
        for (std::int64_t o = 0; o < s.out_channels; ++o)
          std::fill(out_n + o * L, out_n + (o + 1) * L, bias[o]);
      if (s.group_rows == 0) {
        if (bias == nullptr) std::fill(out_n, out_n + s.out_volume, T(0));
        continue;
      }
      if (!pointwise) kernels::im2col(dtype, x_n, columns, g, L);
      const T* cols = pointwise ? x_n : columns;
      for (std::int64_t gi = 0; gi < s.groups; ++gi)
        kernels::gemm(dtype, 1.0,
                      matrix(w + gi * s.group_out * s.group_rows, s.group_out, s.group_rows, s.group_rows, 1),
                      matrix(cols + gi * s.group_rows * L, s.group_rows, L, L, 1),
                      bias != nullptr ? 1.0 : 0.0,
                      matrix(out_n + gi * s.group_out * L, s.group_out, L, L, 1));
    }
  });
}

// ---- Fᵀ: gx[n] = col2im(wᵀ · g[n]), per group.
template <class T>
void transpose_kernel(Dtype dtype, const T* grad, const T* w, T* gx, std::int64_t samples,
                      const kernels::ConvGeometry& g, const GemmSizes& s) {
  const bool pointwise = g.is_pointwise();
  const std::int64_t L = s.positions;
  if (s.group_out == 0 || L == 0) {
    std::fill(gx, gx + samples * s.in_volume, T(0));
    return;
  }
  over_samples(samples, sample_chunks(samples), [&](std::int64_t begin, std::int64_t end, std::int64_t) {
    Tensor buffer = pointwise ? Tensor() : detail::make_contiguous({s.column_rows * L}, dtype, "conv");
    for (std::int64_t n = begin; n < end; ++n) {
      T* gx_n = gx + n * s.in_volume;
      T* columns = pointwise ? gx_n : buffer.data_ptr<T>();
      const T* g_n = grad + n * s.out_volume;
      for (std::int64_t gi = 0; gi < s.groups; ++gi)
        kernels::gemm(dtype, 1.0,
                      matrix(w + gi * s.group_out * s.group_rows, s.group_rows, s.group_out, 1, s.group_rows),
                      matrix(g_n + gi * s.group_out * L, s.group_out, L, L, 1), 0.0,
                      matrix(columns + gi * s.group_rows * L, s.group_rows, L, L, 1));
      if (!pointwise) kernels::col2im(dtype, columns, gx_n, g, L);
    }
  });
}

// ---- W: gw = Σ_n g[n] · im2col(x[n])ᵀ, per group. Each chunk of samples sums into its own buffer; the
// buffers are added in chunk order.
template <class T>
void weight_kernel(Dtype dtype, const T* x, const T* grad, T* gw, std::int64_t samples,
                   const kernels::ConvGeometry& g, const GemmSizes& s) {
  const bool pointwise = g.is_pointwise();
  const std::int64_t L = s.positions, weight_numel = s.out_channels * s.group_rows;
  std::fill(gw, gw + weight_numel, T(0));
  if (samples == 0 || L == 0 || weight_numel == 0) return;
  const std::int64_t chunks = sample_chunks(samples);
  Tensor partials = chunks > 1 ? detail::make_contiguous({chunks * weight_numel}, dtype, "conv") : Tensor();
  over_samples(samples, chunks, [&](std::int64_t begin, std::int64_t end, std::int64_t chunk) {
    T* total = chunks > 1 ? partials.data_ptr<T>() + chunk * weight_numel : gw;
    std::fill(total, total + weight_numel, T(0));
    Tensor buffer = pointwise ? Tensor() : detail::make_contiguous({s.column_rows * L}, dtype, "conv");
    T* columns = pointwise ? nullptr : buffer.data_ptr<T>();
    for (std::int64_t n = begin; n < end; ++n) {
      const T* x_n = x + n * s.in_volume;
      if (!pointwise) kernels::im2col(dtype, x_n, columns, g, L);
      const T* cols = pointwise ? x_n : columns;
      const T* g_n = grad + n * s.out_volume;
      for (std::int64_t gi = 0; gi < s.groups; ++gi)
        kernels::gemm(
            dtype, 1.0, matrix(g_n + gi * s.group_out * L, s.group_out, L, L, 1),
            matrix(cols + gi * s.group_rows * L, L, s.group_rows, 1, L), 1.0,
            matrix(total + gi * s.group_out * s.group_rows, s.group_out, s.group_rows, s.group_rows, 1));
    }
  });
  if (chunks > 1) {
    const T* first = partials.data_ptr<T>();
    std::copy(first, first + weight_numel, gw);
    for (std::int64_t chunk = 1; chunk < chunks; ++chunk) {
      const T* part = first + chunk * weight_numel;
      for (std::int64_t i = 0; i < weight_numel; ++i) gw[i] += part[i];
    }
  }
}

kernels::ConvProblem dnnl_problem(const kernels::ConvGeometry& g, std::int64_t samples, const GemmSizes& s,
                                  const ConvParams& p) {
  return {g, samples, s.out_channels, s.groups, static_cast<int>(p.dims)};
}

// ---- The three ops on tensors (no autograd): contiguous copies of the inputs, fresh outputs.
// out_spatial: the output size when the caller knows it (a gradient's size; see conv_forward_op), else the
// usual formula's.
Tensor forward_raw(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& p,
                   const Shape* known_out_spatial) {
  const Shape out_spatial = known_out_spatial != nullptr
                                ? *known_out_spatial
                                : conv_output_spatial(p, spatial(x.sizes()), spatial(w.sizes()));
  const auto g = make_geometry(p, x.size(1), spatial(x.sizes()), spatial(w.sizes()), out_spatial);
  const GemmSizes s(g, w.size(0), p.groups);
  Tensor out = detail::make_contiguous(concat_sizes(x.size(0), w.size(0), out_spatial), x.dtype(), "conv");
  if (out.numel() == 0) return out;
  const Tensor xc = x.detach().contiguous(), wc = w.detach().contiguous();
  const Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  const auto problem = dnnl_problem(g, x.size(0), s, p);
  if (x.dtype() == kFloat32 &&
      kernels::dnnl_conv_forward(problem, xc.data_ptr<float>(), wc.data_ptr<float>(),
                                 bc.defined() ? bc.data_ptr<float>() : nullptr, out.data_ptr<float>()))
    return out;
  kernels::dispatch_floating("conv", x.dtype(), [&]<class T>() {
    forward_kernel<T>(x.dtype(), xc.data_ptr<T>(), wc.data_ptr<T>(),
                      bc.defined() ? bc.data_ptr<T>() : nullptr, out.data_ptr<T>(), x.size(0), g, s);
  });
  return out;
}

Tensor transpose_raw(const Tensor& grad, const Tensor& w, const ConvParams& p, IntArrayRef input_spatial) {
  const std::int64_t channels = w.size(1) * p.groups;
  const auto g = make_geometry(p, channels, input_spatial, spatial(w.sizes()), spatial(grad.sizes()));
  const GemmSizes s(g, w.size(0), p.groups);
  Tensor out =
      detail::make_contiguous(concat_sizes(grad.size(0), channels, input_spatial), grad.dtype(), "conv");
  if (out.numel() == 0) return out;
  const Tensor gc = grad.detach().contiguous(), wc = w.detach().contiguous();
  if (grad.dtype() == kFloat32 &&
      kernels::dnnl_conv_backward_data(dnnl_problem(g, grad.size(0), s, p), gc.data_ptr<float>(),
                                       wc.data_ptr<float>(), out.data_ptr<float>()))
    return out;
  kernels::dispatch_floating("conv_transpose", grad.dtype(), [&]<class T>() {
    transpose_kernel<T>(grad.dtype(), gc.data_ptr<T>(), wc.data_ptr<T>(), out.data_ptr<T>(), grad.size(0), g,
                        s);
  });
  return out;
}

Tensor weight_raw(const Tensor& x, const Tensor& grad, const ConvParams& p, IntArrayRef kernel_spatial) {
  const std::int64_t out_channels = grad.size(1);
  const auto g = make_geometry(p, x.size(1), spatial(x.sizes()), kernel_spatial, spatial(grad.sizes()));
  const GemmSizes s(g, out_channels, p.groups);
  Tensor out = detail::make_contiguous(concat_sizes(out_channels, x.size(1) / p.groups, kernel_spatial),
                                       x.dtype(), "conv");
  if (out.numel() == 0) return out;
  const Tensor xc = x.detach().contiguous(), gc = grad.detach().contiguous();
  if (x.dtype() == kFloat32 &&
      kernels::dnnl_conv_backward_weights(dnnl_problem(g, x.size(0), s, p), xc.data_ptr<float>(),
                                          gc.data_ptr<float>(), out.data_ptr<float>()))
    return out;
  kernels::dispatch_floating("conv", x.dtype(), [&]<class T>() {
    weight_kernel<T>(x.dtype(), xc.data_ptr<T>(), gc.data_ptr<T>(), out.data_ptr<T>(), x.size(0), g, s);
  });
  return out;
}

// ---- The three ops with autograd (Note [Convolution as three closed ops]).
Tensor conv_forward_op(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& p,
                       const Shape* out_spatial = nullptr);
Tensor conv_transpose_op(const Tensor& grad, const Tensor& w, const ConvParams& p, IntArrayRef input_spatial);
Tensor conv_weight_op(const Tensor& x, const Tensor& grad, const ConvParams& p, IntArrayRef kernel_spatial);

Shape bias_dims(std::size_t dims) {
  Shape out{0};
  for (std::size_t d = 0; d < dims; ++d) out.push_back(static_cast<std::int64_t>(d) + 2);
  return out;
}

}  // namespace

// y = F(x, w) + b: dx = Fᵀ(dy, w), dw = W(x, dy), db = dy summed over all dims but the channels.
struct ConvolutionBackward final : Node {
  SavedTensor input, weight;
  ConvParams params;
  std::string_view name() const override { return "ConvolutionBackward"; }
  void release_saved() override {
    input.reset();
    weight.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(3);
    if (needs_input_grad(0))
      out[0] = conv_transpose_op(g[0], weight.unpack(*this), params, spatial(input_meta()[0].sizes));
    if (needs_input_grad(1))
      out[1] = conv_weight_op(input.unpack(*this), g[0], params, spatial(input_meta()[1].sizes));
    if (needs_input_grad(2)) out[2] = sum(g[0], bias_dims(params.dims));
    return out;
  }
};

// z = Fᵀ(g, w): dg = F(dz, w), dw = W(dz, g).
struct ConvTransposeBackward final : Node {
  SavedTensor grad, weight;
  ConvParams params;
  std::string_view name() const override { return "ConvTransposeBackward"; }
  void release_saved() override {
    grad.reset();
    weight.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0)) {
      const Shape out_spatial = spatial(input_meta()[0].sizes).vec();
      out[0] = conv_forward_op(g[0], weight.unpack(*this), Tensor(), params, &out_spatial);
    }
    if (needs_input_grad(1))
      out[1] = conv_weight_op(g[0], grad.unpack(*this), params, spatial(input_meta()[1].sizes));
    return out;
  }
};

// z = W(x, g): dx = Fᵀ(g, dz), dg = F(x, dz).
struct ConvWeightBackward final : Node {
  SavedTensor input, grad;
  ConvParams params;
  std::string_view name() const override { return "ConvWeightBackward"; }
  void release_saved() override {
    input.reset();
    grad.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0))
      out[0] = conv_transpose_op(grad.unpack(*this), g[0], params, spatial(input_meta()[0].sizes));
    if (needs_input_grad(1)) {
      const Shape out_spatial = spatial(input_meta()[1].sizes).vec();
      out[1] = conv_forward_op(input.unpack(*this), g[0], Tensor(), params, &out_spatial);
    }
    return out;
  }
};

namespace {

// NOTE: a gradient passes out_spatial: after a transposed convolution with output_padding >= stride
// (allowed when dilation > output_padding) the formula gives one more position than the gradient has.
Tensor conv_forward_op(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvParams& p,
                       const Shape* out_spatial) {
  Tensor out = forward_raw(x, w, bias, p, out_spatial);
  if (auto* node = record<ConvolutionBackward>({x, w, bias}, {out})) {
    node->params = p;
    if (node->needs_input_grad(1)) node->input = SavedTensor(x, false);
    if (node->needs_input_grad(0)) node->weight = SavedTensor(w, false);
  }
  return out;
}

Tensor conv_transpose_op(const Tensor& grad, const Tensor& w, const ConvParams& p,
                         IntArrayRef input_spatial) {
  Tensor out = transpose_raw(grad, w, p, input_spatial);
  if (auto* node = record<ConvTransposeBackward>({grad, w}, {out})) {
    node->params = p;
    if (node->needs_input_grad(1)) node->grad = SavedTensor(grad, false);
    if (node->needs_input_grad(0)) node->weight = SavedTensor(w, false);
  }
  return out;
}

Tensor conv_weight_op(const Tensor& x, const Tensor& grad, const ConvParams& p, IntArrayRef kernel_spatial) {
  Tensor out = weight_raw(x, grad, p, kernel_spatial);
  if (auto* node = record<ConvWeightBackward>({x, grad}, {out})) {
    node->params = p;
    if (node->needs_input_grad(0)) node->grad = SavedTensor(grad, false);
    if (node->needs_input_grad(1)) node->input = SavedTensor(x, false);
  }
  return out;
}

// ---- Argument checks, with PyTorch's phrases.
Shape expand_param(std::string_view op, std::string_view name, IntArrayRef values, std::size_t dims) {
  check(values.size() == 1 || values.size() == dims, op, "expected ", name,
        " to be a single integer value or a list of ", dims,
        " values to match the convolution dimensions, but got ", name, "=", values);
  Shape out;
  for (std::size_t d = 0; d < dims; ++d) out.push_back(values.size() == 1 ? values[0] : values[d]);
  return out;
}

// "(28 x 28)"
std::string parenthesized(IntArrayRef values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += " x ";
    out += std::to_string(values[i]);
  }
  return out + ")";
}

Tensor convolution_checked(std::string_view op, const Tensor& input, const Tensor& weight, const Tensor& bias,
                           IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                           IntArrayRef output_padding, std::int64_t groups) {
  detail::check_defined(op, "input", input);
  detail::check_defined(op, "weight", weight);
  detail::check_floating(op, "input", input);
  detail::check_floating(op, "weight", weight);
  check(input.dtype() == weight.dtype(), op, "Input type (", input.dtype(), ") and weight type (",
        weight.dtype(), ") should be the same");
  if (bias.defined())
    check(bias.dtype() == input.dtype(), op, "Input type (", input.dtype(), ") and bias type (", bias.dtype(),
          ") should be the same");
  check(weight.dim() >= 3, op, "weight should have at least three dimensions, got weight of size ",
        weight.sizes());
  check(weight.dim() <= 5, op, "only 1-, 2- and 3-d convolutions are supported, got weight of size ",
        weight.sizes());
  ConvParams p;
  p.dims = static_cast<std::size_t>(weight.dim() - 2);
  p.stride = expand_param(op, "stride", stride, p.dims);
  p.padding = expand_param(op, "padding", padding, p.dims);
  p.dilation = expand_param(op, "dilation", dilation, p.dims);
  p.groups = groups;
  const Shape extra = expand_param(op, "output_padding", output_padding, p.dims);
  check(groups > 0, op, "non-positive groups is not supported, got groups=", groups);
  for (std::size_t d = 0; d < p.dims; ++d) {
    check(p.stride[d] > 0, op, "non-positive stride is not supported, got stride=", p.stride);
    check(p.padding[d] >= 0, op, "negative padding is not supported, got padding=", p.padding);
    check(p.dilation[d] > 0, op, "dilation should be greater than zero, got dilation=", p.dilation);
    check(extra[d] >= 0, op, "negative output_padding is not supported, got output_padding=", extra);
  }
  check(input.dim() == weight.dim(), op, "Expected ", weight.dim(), "-dimensional input for ", weight.dim(),
        "-dimensional weight ", weight.sizes(), ", but got ", input.dim(), "-dimensional input of size ",
        input.sizes(), " instead");
  check(weight.size(0) >= groups, op, "Given groups=", groups, ", expected weight to be at least ", groups,
        " at dimension 0, but got weight of size ", weight.sizes(), " instead");
  check(weight.size(0) % groups == 0, op, "Given groups=", groups, ", expected weight to be divisible by ",
        groups, " at dimension 0, but got weight of size ", weight.sizes(), " instead");
  const IntArrayRef kernel = spatial(weight.sizes()), in = spatial(input.sizes());
  if (!transposed) {
    check(input.size(1) == weight.size(1) * groups, op, "Given groups=", groups, ", weight of size ",
          weight.sizes(), ", expected input", input.sizes(), " to have ", weight.size(1) * groups,
          " channels, but got ", input.size(1), " channels instead");
    if (bias.defined())
      check(bias.dim() == 1 && bias.size(0) == weight.size(0), op, "Given weight of size ", weight.sizes(),
            ", expected bias to be 1-dimensional with ", weight.size(0), " elements, but got bias of size ",
            bias.sizes(), " instead");
    Shape padded, dilated;
    bool fits = true;
    for (std::size_t d = 0; d < p.dims; ++d) {
      padded.push_back(in[d] + 2 * p.padding[d]);
      dilated.push_back(p.dilation[d] * (kernel[d] - 1) + 1);
      fits = fits && padded.back() >= dilated.back();
    }
    check(fits, op, "Calculated padded input size per channel: ", parenthesized(padded),
          ". Kernel size: ", parenthesized(dilated), ". Kernel size can't be greater than actual input size");
    return conv_forward_op(input, weight, bias, p);
  }
  check(input.size(1) == weight.size(0), op, "Given transposed=1, weight of size ", weight.sizes(),
        ", expected input", input.sizes(), " to have ", weight.size(0), " channels, but got ", input.size(1),
        " channels instead");
  const std::int64_t out_channels = weight.size(1) * groups;
  if (bias.defined())
    check(bias.dim() == 1 && bias.size(0) == out_channels, op, "Given transposed=1, weight of size ",
          weight.sizes(), ", expected bias to be 1-dimensional with ", out_channels,
          " elements, but got bias of size ", bias.sizes(), " instead");
  Shape out_spatial;
  bool positive = true;
  for (std::size_t d = 0; d < p.dims; ++d) {
    check(extra[d] < p.stride[d] || extra[d] < p.dilation[d], op,
          "output padding must be smaller than either stride or dilation, but got output_padding=", extra,
          ", stride=", p.stride, ", dilation=", p.dilation);
    out_spatial.push_back((in[d] - 1) * p.stride[d] - 2 * p.padding[d] + p.dilation[d] * (kernel[d] - 1) +
                          extra[d] + 1);
    positive = positive && out_spatial.back() > 0;
  }
  check(positive, op, "Given input size per channel: ", parenthesized(in),
        ". Calculated output size per channel: ", parenthesized(out_spatial), ". Output size is too small");
  Tensor out = conv_transpose_op(input, weight, p, out_spatial);
  if (!bias.defined()) return out;
  Shape bias_shape(static_cast<std::size_t>(input.dim()), 1);
  bias_shape[1] = out_channels;
  return add(out, bias.reshape(bias_shape));
}

// Unbatched inputs get a batch dim of 1 for the computation.
Tensor conv_nd(std::string_view op, std::int64_t dims, const Tensor& input, const Tensor& weight,
               const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
               bool transposed, IntArrayRef output_padding, std::int64_t groups) {
  detail::check_defined(op, "input", input);
  check(input.dim() == dims + 1 || input.dim() == dims + 2, op, "Expected ", dims + 1, "D (unbatched) or ",
        dims + 2, "D (batched) input to ", op, ", but got input of size: ", input.sizes());
  if (input.dim() == dims + 2)
    return convolution_checked(op, input, weight, bias, stride, padding, dilation, transposed, output_padding,
                               groups);
  return convolution_checked(op, input.unsqueeze(0), weight, bias, stride, padding, dilation, transposed,
                             output_padding, groups)
      .squeeze(0);
}

// padding "same": dilation * (kernel - 1) in total per dim, half before (rounded down) and the rest after;
// an odd total pads the input by one more element at the end first.
Tensor conv_padded(std::string_view op, std::int64_t dims, const Tensor& input, const Tensor& weight,
                   const Tensor& bias, IntArrayRef stride, std::string_view padding, IntArrayRef dilation,
                   std::int64_t groups) {
  if (padding == "valid")
    return conv_nd(op, dims, input, weight, bias, stride, 0, dilation, false, 0, groups);
  check(padding == "same", op, "Invalid padding string: '", padding, "'");
  for (std::int64_t s : stride)
    check(s == 1, op, "padding='same' is not supported for strided convolutions, got stride=", stride);
  detail::check_defined(op, "weight", weight);
  if (weight.dim() != dims + 2)  // the general checks report it
    return conv_nd(op, dims, input, weight, bias, stride, 0, dilation, false, 0, groups);
  const auto n = static_cast<std::size_t>(dims);
  const Shape dilations = expand_param(op, "dilation", dilation, n);
  Shape before, pad_last_first;
  bool asymmetric = false;
  for (std::size_t d = 0; d < n; ++d) {
    const std::int64_t total = dilations[d] * (weight.size(static_cast<std::int64_t>(d) + 2) - 1);
    before.push_back(total / 2);
    asymmetric = asymmetric || total % 2 != 0;
  }
  for (std::size_t d = n; d-- > 0;) {
    const std::int64_t total = dilations[d] * (weight.size(static_cast<std::int64_t>(d) + 2) - 1);
    pad_last_first.push_back(0);
    pad_last_first.push_back(total - 2 * before[d]);
  }
  const Tensor padded_input = asymmetric ? constant_pad_nd(input, pad_last_first, 0) : input;
  return conv_nd(op, dims, padded_input, weight, bias, stride, before, dilation, false, 0, groups);
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, false, 0, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_padded("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, false, 0, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_padded("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, false, 0, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, std::int64_t groups) {
  return conv_padded("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, std::int64_t groups,
                        IntArrayRef dilation) {
  return conv_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, true, output_padding,
                 groups);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, std::int64_t groups,
                        IntArrayRef dilation) {
  return conv_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, true, output_padding,
                 groups);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, std::int64_t groups,
                        IntArrayRef dilation) {
  return conv_nd("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, true, output_padding,
                 groups);
}

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                   IntArrayRef padding, IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                   std::int64_t groups) {
  return convolution_checked("convolution", input, weight, bias, stride, padding, dilation, transposed,
                             output_padding, groups);
}

}  // namespace tg
