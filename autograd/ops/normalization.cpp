// Note [fused row normalization]
// layer_norm and rms_norm see the input as contiguous [rows, columns] with columns = prod(normalized_shape).
// Forward, per row: one pass accumulates the statistics in double, one pass writes the output.
// - layer_norm sums d = x - x[0] and d² (shifted data): a row of float32 values near 1e4 with unit noise
//   keeps its variance (sum(x²)/n - mean² would cancel ~8 digits away), and the row is read once.
// - rms_norm sums x², which has no cancellation.
// - xhat = (x - mean) * rstd is formed in double and rounded once, so a large mean does not cost float32
//   digits either; weight and bias are applied in the input's dtype (as PyTorch).
// mean and rstd (double, [rows]) are kept by the node. Backward, per row, with gw = g * weight:
//   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat))   (rms_norm: without the mean(gw) term)
// in two passes (the two row sums, then dx), in the input's dtype (double there made the float32 backward
// compute-bound) with the mean split in two floats so that a large mean costs no digits. dweight = sum over
// rows of g * xhat and dbias = sum of g are accumulated in the first pass into per-chunk double rows; the
// chunks are contiguous row ranges whose boundaries depend on the sizes only and whose partials are added in
// chunk order, so the gradients have the same bits for any thread count. With create_graph the backward is
// composed of differentiable ops instead (recomputing the statistics from x), which gives double backward.
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <sstream>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/kernels/scratch.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/normalization.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

enum class NormKind { Layer, Rms };

std::string_view op_name(NormKind kind) { return kind == NormKind::Layer ? "layer_norm" : "rms_norm"; }

struct RowsGeometry {
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  Shape normalized_shape;
};

RowsGeometry check_inputs(NormKind kind, const Tensor& input, IntArrayRef normalized_shape,
                          const Tensor& weight, const Tensor& bias) {
  const std::string_view op = op_name(kind);
  detail::check_defined(op, "input", input);
  detail::check_floating(op, "input", input);
  check(!normalized_shape.empty(), op,
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but "
        "got normalized_shape = ",
        normalized_shape);
  for (auto [affine, label] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!affine->defined()) continue;
    check(affine->sizes() == normalized_shape, op, "Expected ", label,
          " to be of same shape as normalized_shape, but got ", label, " of shape ", affine->sizes(),
          " and normalized_shape = ", normalized_shape);
    check(affine->dtype() == input.dtype(), op, "expected ", label, " to have input's dtype ", input.dtype(),
          ", got ", affine->dtype());
  }
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  const bool trailing_match = input.dim() >= k && IntArrayRef(std::span<const std::int64_t>(
                                                      input.sizes().data() + (input.dim() - k),
                                                      normalized_shape.size())) == normalized_shape;
  if (!trailing_match) {
    std::ostringstream expected;
    expected << "[*";
    for (std::int64_t size : normalized_shape) expected << ", " << size;
    expected << "]";
    check(false, op, "Given normalized_shape=", normalized_shape, ", expected input with shape ",
          expected.str(), ", but got input of size", input.sizes());
  }
  RowsGeometry g;
  g.normalized_shape = normalized_shape.vec();
  g.columns = 1;
  for (std::int64_t size : normalized_shape) g.columns *= size;
  g.rows = g.columns == 0 ? 0 : input.numel() / g.columns;
  if (g.columns == 0) {
    g.rows = 1;
    for (std::int64_t d = 0; d < input.dim() - k; ++d) g.rows *= input.size(d);
  }
  return g;
}

// ---- Kernels on one row of n values.

// Returns {mean, rstd}; mean is 0 for rms_norm.
template <class T>
std::pair<double, double> row_statistics(const T* x, std::int64_t n, NormKind kind, double eps) {
  if (n == 0) return {0.0, 1.0 / std::sqrt(eps)};
  const double count = static_cast<double>(n);
  if (kind == NormKind::Rms) {
    double squares = 0;
#pragma omp simd reduction(+ : squares)
    for (std::int64_t j = 0; j < n; ++j) squares += static_cast<double>(x[j]) * static_cast<double>(x[j]);
    return {0.0, 1.0 / std::sqrt(squares / count + eps)};
  }
  const double shift = static_cast<double>(x[0]);
  double sum = 0, squares = 0;
#pragma omp simd reduction(+ : sum, squares)
  for (std::int64_t j = 0; j < n; ++j) {
    const double d = static_cast<double>(x[j]) - shift;
    sum += d;
    squares += d * d;
  }
  const double shifted_mean = sum / count;
  const double variance = std::max(squares / count - shifted_mean * shifted_mean, 0.0);
  return {shift + shifted_mean, 1.0 / std::sqrt(variance + eps)};
}

template <class T>
void normalize_row(const T* x, T* y, const T* weight, const T* bias, std::int64_t n, double mean,
                   double rstd) {
#pragma omp simd
  for (std::int64_t j = 0; j < n; ++j) y[j] = static_cast<T>((static_cast<double>(x[j]) - mean) * rstd);
  if (weight != nullptr && bias != nullptr) {
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) y[j] = y[j] * weight[j] + bias[j];
  } else if (weight != nullptr) {
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) y[j] *= weight[j];
  } else if (bias != nullptr) {
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) y[j] += bias[j];
  }
}

// Where one row's backward reads and writes; null pointers are absent inputs or unwanted gradients.
template <class T>
struct RowBackward {
  const T* grad;
  const T* x;
  const T* weight;
  T* dx;
  double* dweight;  // the chunk's accumulator row
  double* dbias;
};

// In T: mean is split into mean_hi + mean_lo so that x - mean keeps its digits when the mean is large
// (x - mean_hi is exact when they are within a factor of 2). The row sums use the vector lanes' partials.
template <class T, bool HasWeight, bool WantDweight, bool WantDbias>
void backward_row(const RowBackward<T>& r, std::int64_t n, double mean, double rstd, NormKind kind) {
  const T* g = r.grad;
  const T* x = r.x;
  const T* w = r.weight;
  double* dw = r.dweight;
  double* db = r.dbias;
  const T mean_hi = static_cast<T>(mean);
  const T mean_lo = static_cast<T>(mean - static_cast<double>(mean_hi));
  const T scale = static_cast<T>(rstd);
  T sum_gw = 0, sum_gw_xhat = 0;
#pragma omp simd reduction(+ : sum_gw, sum_gw_xhat)
  for (std::int64_t j = 0; j < n; ++j) {
    const T xhat = ((x[j] - mean_hi) - mean_lo) * scale;
    const T gw = HasWeight ? g[j] * w[j] : g[j];
    sum_gw += gw;
    sum_gw_xhat += gw * xhat;
    if constexpr (WantDweight) dw[j] += static_cast<double>(g[j] * xhat);
    if constexpr (WantDbias) db[j] += static_cast<double>(g[j]);
  }
  if (r.dx == nullptr) return;
  const T count = static_cast<T>(n);
  const T mean_gw = kind == NormKind::Layer ? sum_gw / count : T(0);
  const T mean_gw_xhat = sum_gw_xhat / count;
  T* dx = r.dx;
#pragma omp simd
  for (std::int64_t j = 0; j < n; ++j) {
    const T xhat = ((x[j] - mean_hi) - mean_lo) * scale;
    const T gw = HasWeight ? g[j] * w[j] : g[j];
    dx[j] = scale * (gw - mean_gw - xhat * mean_gw_xhat);
  }
}

// backward_row with the flags of this call's inputs and wanted gradients.
template <class T>
void backward_row_dispatch(const RowBackward<T>& r, std::int64_t n, double mean, double rstd, NormKind kind) {
  const auto with_bias = [&]<bool HasWeight, bool WantDweight>() {
    if (r.dbias != nullptr)
      backward_row<T, HasWeight, WantDweight, true>(r, n, mean, rstd, kind);
    else
      backward_row<T, HasWeight, WantDweight, false>(r, n, mean, rstd, kind);
  };
  const auto with_weight_grad = [&]<bool HasWeight>() {
    if (r.dweight != nullptr)
      with_bias.template operator()<HasWeight, true>();
    else
      with_bias.template operator()<HasWeight, false>();
  };
  if (r.weight != nullptr)
    with_weight_grad.template operator()<true>();
  else
    with_weight_grad.template operator()<false>();
}

// Row chunks of the backward: about kParallelThreshold / 2 elements each, at most 64; a function of the
// sizes only (the column sums' bits must not depend on the thread count).
std::int64_t backward_chunks(const RowsGeometry& g) {
  constexpr std::int64_t kMaxChunks = 64;
  const std::int64_t elements = g.rows * g.columns;
  if (elements < kernels::kParallelThreshold || g.rows < 2) return 1;
  return std::clamp<std::int64_t>(std::min(g.rows, elements / (kernels::kParallelThreshold / 2)), 1,
                                  kMaxChunks);
}

struct Statistics {
  std::vector<double> mean;  // [rows]
  std::vector<double> rstd;  // [rows]
};

Tensor forward_kernel(NormKind kind, const RowsGeometry& g, const Tensor& input, const Tensor& weight,
                      const Tensor& bias, double eps, Statistics& stats) {
  const Tensor x = input.detach().contiguous();
  const Tensor w = weight.defined() ? weight.detach().contiguous() : Tensor();
  const Tensor b = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor out = detail::make_contiguous(input.sizes(), input.dtype());
  stats.mean.assign(static_cast<std::size_t>(g.rows), 0.0);
  stats.rstd.assign(static_cast<std::size_t>(g.rows), 0.0);
  if (out.numel() == 0) return out;
  kernels::dispatch_floating(op_name(kind), input.dtype(), [&]<class T>() {
    const T* px = x.data_ptr<T>();
    const T* pw = w.defined() ? w.data_ptr<T>() : nullptr;
    const T* pb = b.defined() ? b.data_ptr<T>() : nullptr;
    T* py = out.data_ptr<T>();
    double* means = stats.mean.data();
    double* rstds = stats.rstd.data();
    const std::int64_t n = g.columns;
    kernels::parallel_for(g.rows, g.rows * n >= kernels::kParallelThreshold && g.rows > 1,
                          [=](std::int64_t r) {
                            const auto [mean, rstd] = row_statistics(px + r * n, n, kind, eps);
                            means[r] = mean;
                            rstds[r] = rstd;
                            normalize_row(px + r * n, py + r * n, pw, pb, n, mean, rstd);
                          });
  });
  return out;
}

struct FusedGrads {
  Tensor dx, dweight, dbias;
};

FusedGrads backward_kernel(NormKind kind, const RowsGeometry& g, const Statistics& stats, const Tensor& grad,
                           const Tensor& input, const Tensor& weight, bool want_dx, bool want_dweight,
                           bool want_dbias) {
  const Tensor gc = grad.contiguous(), x = input.detach().contiguous();
  const Tensor w = weight.defined() ? weight.detach().contiguous() : Tensor();
  FusedGrads result;
  const Dtype dtype = input.dtype();
  if (want_dx) result.dx = detail::make_contiguous(input.sizes(), dtype);
  if (want_dweight) result.dweight = zeros(g.normalized_shape, dtype);
  if (want_dbias) result.dbias = zeros(g.normalized_shape, dtype);
  if (g.rows == 0 || g.columns == 0) return result;
  const std::int64_t n = g.columns, chunks = backward_chunks(g);
  const kernels::Scratch<double> dweight_rows(want_dweight ? chunks * n : 0, 0.0);
  const kernels::Scratch<double> dbias_rows(want_dbias ? chunks * n : 0, 0.0);
  kernels::dispatch_floating(op_name(kind), dtype, [&]<class T>() {
    const T* pg = gc.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    const T* pw = w.defined() ? w.data_ptr<T>() : nullptr;
    T* pdx = want_dx ? result.dx.data_ptr<T>() : nullptr;
    double* dw_rows = want_dweight ? dweight_rows.data() : nullptr;
    double* db_rows = want_dbias ? dbias_rows.data() : nullptr;
    kernels::parallel_chunks(chunks, [&](std::int64_t chunk) {
      const std::int64_t begin = kernels::chunk_begin(g.rows, chunks, chunk);
      const std::int64_t end = kernels::chunk_begin(g.rows, chunks, chunk + 1);
      double* dw = dw_rows != nullptr ? dw_rows + chunk * n : nullptr;
      double* db = db_rows != nullptr ? db_rows + chunk * n : nullptr;
      const double* means = stats.mean.data();
      const double* rstds = stats.rstd.data();
      kernels::isa_run([=] {
        for (std::int64_t r = begin; r < end; ++r) {
          const RowBackward<T> row{pg + r * n, px + r * n, pw, pdx != nullptr ? pdx + r * n : nullptr,
                                   dw,         db};
          backward_row_dispatch(row, n, means[r], rstds[r], kind);
        }
      });
    });
    // Chunk 0's row collects the others in chunk order.
    const auto combine = [&](double* partials, const Tensor& target) {
      if (partials == nullptr) return;
      T* out = target.template data_ptr<T>();
      for (std::int64_t chunk = 1; chunk < chunks; ++chunk)
        for (std::int64_t j = 0; j < n; ++j) partials[j] += partials[chunk * n + j];
      for (std::int64_t j = 0; j < n; ++j) out[j] = static_cast<T>(partials[j]);
    };
    combine(dw_rows, result.dweight);
    combine(db_rows, result.dbias);
  });
  return result;
}

// The backward written with differentiable ops (create_graph): the statistics are recomputed from x.
tensor_list composed_grads(NormKind kind, const Tensor& x, const Tensor& weight, const Tensor& grad,
                           IntArrayRef normalized_shape, double eps, const Node& node) {
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  Shape dims;
  for (std::int64_t d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
  const Tensor centered = kind == NormKind::Layer ? x - mean(x, dims, /*keepdim=*/true) : x;
  const Tensor rstd = rsqrt(mean(centered * centered, dims, /*keepdim=*/true) + eps);
  const Tensor xhat = centered * rstd;
  const Tensor gw = weight.defined() ? grad * weight : grad;
  tensor_list result(3);
  if (node.needs_input_grad(0)) {
    Tensor inner = gw - xhat * mean(gw * xhat, dims, /*keepdim=*/true);
    if (kind == NormKind::Layer) inner = inner - mean(gw, dims, /*keepdim=*/true);
    result[0] = inner * rstd;
  }
  if (node.needs_input_grad(1)) result[1] = sum_to(grad * xhat, normalized_shape);
  if (node.needs_input_grad(2)) result[2] = sum_to(grad, normalized_shape);
  return result;
}

struct RowNormBackward final : Node {
  NormKind kind = NormKind::Layer;
  SavedTensor input, weight;
  Statistics stats;
  RowsGeometry geometry;
  double eps = 0;
  std::string_view name() const override {
    return kind == NormKind::Layer ? "NativeLayerNormBackward" : "RmsNormBackward";
  }
  void release_saved() override {
    input.reset();
    weight.reset();
    stats = {};
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor x = input.unpack(*this);
    const Tensor w = weight.defined() ? weight.unpack(*this) : Tensor();
    if (GradMode::is_enabled())
      return composed_grads(kind, x, w, grads[0], geometry.normalized_shape, eps, *this);
    FusedGrads fused = backward_kernel(kind, geometry, stats, grads[0], x, w, needs_input_grad(0),
                                       needs_input_grad(1), needs_input_grad(2));
    return {fused.dx, fused.dweight, fused.dbias};
  }
};

Tensor row_norm(NormKind kind, const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight,
                const Tensor& bias, double eps) {
  RowsGeometry g = check_inputs(kind, input, normalized_shape, weight, bias);
  Statistics stats;
  Tensor out = forward_kernel(kind, g, input, weight, bias, eps, stats);
  if (auto* node = record<RowNormBackward>({input, weight, bias}, {out})) {
    node->kind = kind;
    node->input = SavedTensor(input, false);
    if (weight.defined()) node->weight = SavedTensor(weight, false);
    node->stats = std::move(stats);
    node->geometry = std::move(g);
    node->eps = eps;
  }
  return out;
}

}  // namespace

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps, bool /*cudnn_enable*/) {
  return row_norm(NormKind::Layer, input, normalized_shape, weight, bias, eps);
}

Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  detail::check_defined("rms_norm", "input", input);
  const double machine_eps = input.dtype() == kFloat32
                                 ? static_cast<double>(std::numeric_limits<float>::epsilon())
                                 : std::numeric_limits<double>::epsilon();
  return row_norm(NormKind::Rms, input, normalized_shape, weight, Tensor(), eps.value_or(machine_eps));
}

}  // namespace tg
