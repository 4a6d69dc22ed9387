#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

Tensor prod_over(const Tensor& x, IntArrayRef dims, bool keepdim);

namespace {

// A reduction seen as rows: the kept dims become `outer` rows of `inner` reduced elements each.
struct ReductionPlan {
  Shape keep_sizes;  // reduced dims as 1
  Shape out_sizes;   // with or without the reduced dims, per keepdim
  Tensor rows;       // contiguous, outer x inner, no autograd history
  std::int64_t outer = 1;
  std::int64_t inner = 1;
  // 1, or (segmented plans) rows is x itself and row i is `segments` runs of inner / segments contiguous
  // elements, run s starting at (s * outer + i) * run.
  std::int64_t segments = 1;
};

// Leading and trailing dims reduced around a kept middle block of a contiguous x ([N, C, H, W] over
// {0, 2, 3}: a bias gradient, batch statistics): the count of leading elements, else 1.
std::int64_t middle_block_segments(const Tensor& x, const std::vector<bool>& reduced) {
  const std::size_t rank = reduced.size();
  std::size_t first_kept = 0;
  while (first_kept < rank && reduced[first_kept]) ++first_kept;
  std::size_t first_trailing = first_kept;
  while (first_trailing < rank && !reduced[first_trailing]) ++first_trailing;
  if (first_kept == 0 || first_trailing == rank || !x.is_contiguous()) return 1;
  for (std::size_t d = first_trailing; d < rank; ++d)
    if (!reduced[d]) return 1;
  std::int64_t leading = 1;
  for (std::size_t d = 0; d < first_kept; ++d) leading *= x.sizes()[d];
  return leading;
}

// segmented_ok: the caller's kernel reads segmented rows (sum_kernel), so a middle-block reduction needs no
// reordering copy.
ReductionPlan plan_reduction(std::string_view op, const Tensor& x, IntArrayRef dims, bool keepdim,
                             bool segmented_ok = false) {
  const std::int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(rank), dims.empty());
  for (std::int64_t d : dims) {
    const auto w = static_cast<std::size_t>(wrap_dim(op, d, rank));
    if (rank == 0) continue;
    check(!reduced[w] || dims.empty(), op, "dim ", d, " appears more than once in ", dims);
    reduced[w] = true;
  }
  ReductionPlan plan;
  Shape perm_sizes, perm_strides;
  for (int pass = 0; pass < 2; ++pass)
    for (std::int64_t d = 0; d < rank; ++d) {
      const auto i = static_cast<std::size_t>(d);
      if (reduced[i] != (pass == 1)) continue;
      perm_sizes.push_back(x.sizes()[i]);
      perm_strides.push_back(x.strides()[i]);
      (pass == 0 ? plan.outer : plan.inner) *= x.sizes()[i];
    }
  for (std::int64_t d = 0; d < rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    plan.keep_sizes.push_back(reduced[i] ? 1 : x.sizes()[i]);
    if (!reduced[i] || keepdim) plan.out_sizes.push_back(plan.keep_sizes.back());
  }
  Tensor view = detail::make_view(x, perm_sizes, perm_strides, x.storage_offset());
  if (view.is_contiguous()) {  // the reduced dims are already the trailing ones: read x in place
    plan.rows = view;
    return plan;
  }
  if (segmented_ok && plan.outer * plan.inner > 0) {
    plan.segments = middle_block_segments(x, reduced);
    if (plan.segments > 1) {
      plan.rows = x.detach();
      return plan;
    }
  }
  plan.rows = detail::make_contiguous(perm_sizes, x.dtype());
  kernels::copy(plan.rows, view);
  return plan;
}

template <class T>
double plain_sum(const T* in, std::int64_t n) {
  // The accumulator is the body's own: one captured by reference kept the loop scalar (isa_loop.hpp).
  return kernels::isa_run([=] {
    double total = 0;
#pragma omp simd reduction(+ : total)
    for (std::int64_t j = 0; j < n; ++j) total += static_cast<double>(in[j]);
    return total;
  });
}

// A whole-tensor sum in chunks whose boundaries depend on n only, their partial sums added in chunk
// order: the same bits with any thread count.
constexpr std::int64_t kSumChunk = kernels::kParallelThreshold / 2;

template <class T>
double chunked_sum(const T* in, std::int64_t n) {
  if (n < kernels::kParallelThreshold) return plain_sum(in, n);
  const std::int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
  std::vector<double> partial(static_cast<std::size_t>(chunks));
  kernels::parallel_chunks(chunks, [&](std::int64_t chunk) {
    const std::int64_t begin = chunk * kSumChunk;
    partial[static_cast<std::size_t>(chunk)] = plain_sum(in + begin, std::min(kSumChunk, n - begin));
  });
  double total = 0;
  for (const double value : partial) total += value;
  return total;
}

Tensor sum_kernel(const ReductionPlan& plan, Dtype dtype) {
  Tensor out = detail::make_contiguous(plan.out_sizes, dtype);
  kernels::dispatch_floating("sum", dtype, [&]<class T>() {
    const T* in = plan.rows.data_ptr<T>();
    T* result = out.data_ptr<T>();
    const std::int64_t outer = plan.outer, inner = plan.inner;
    // Accumulated in double; `simd` lets the compiler split the sum over vector lanes (it may not
    // reorder additions otherwise), which is what makes these loops run at memory bandwidth.
    if (plan.segments > 1) {
      const std::int64_t segments = plan.segments, run = inner / segments;
      kernels::parallel_for(outer, outer * inner >= kernels::kParallelThreshold, [&](std::int64_t i) {
        double total = 0;
        for (std::int64_t segment = 0; segment < segments; ++segment) {
          const T* part = in + (segment * outer + i) * run;
#pragma omp simd reduction(+ : total)
          for (std::int64_t j = 0; j < run; ++j) total += static_cast<double>(part[j]);
        }
        result[i] = static_cast<T>(total);
      });
      return;
    }
    if (outer == 1) {
      result[0] = static_cast<T>(chunked_sum(in, inner));
      return;
    }
    kernels::parallel_for(outer, outer * inner >= kernels::kParallelThreshold, [&](std::int64_t i) {
      const T* row = in + i * inner;
      double total = 0;
#pragma omp simd reduction(+ : total)
      for (std::int64_t j = 0; j < inner; ++j) total += static_cast<double>(row[j]);
      result[i] = static_cast<T>(total);
    });
  });
  return out;
}

// Reducing the leading dims of a contiguous tensor (a bias gradient, a batch sum) adds whole rows into
// one accumulator row: no reordering copy, and the inner loop runs over contiguous memory.
std::optional<Tensor> sum_leading_dims(const Tensor& x, IntArrayRef dims, bool keepdim) {
  if (!x.is_contiguous() || dims.empty() || x.dim() < 2) return std::nullopt;
  const std::int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (std::int64_t d : dims) {
    if (d < -rank || d >= rank) return std::nullopt;  // the general path reports the error
    const auto w = static_cast<std::size_t>(d < 0 ? d + rank : d);
    if (reduced[w]) return std::nullopt;
    reduced[w] = true;
  }
  const std::int64_t prefix = static_cast<std::int64_t>(dims.size());
  for (std::int64_t d = 0; d < rank; ++d)
    if (reduced[static_cast<std::size_t>(d)] != (d < prefix)) return std::nullopt;
  if (prefix == rank) return std::nullopt;
  std::int64_t rows = 1, columns = 1;
  Shape out_sizes;
  for (std::int64_t d = 0; d < rank; ++d) {
    if (d < prefix) {
      rows *= x.size(d);
      if (keepdim) out_sizes.push_back(1);
    } else {
      columns *= x.size(d);
      out_sizes.push_back(x.size(d));
    }
  }
  Tensor out = detail::make_contiguous(out_sizes, x.dtype());
  kernels::column_sums(x, rows, columns, out);
  return out;
}

// Values and first indices of the largest (or smallest) element of each row. NaN beats every number,
// as in PyTorch, so a row holding NaN reports its first NaN.
std::tuple<Tensor, Tensor> extreme_kernel(std::string_view op, const ReductionPlan& plan, Dtype dtype,
                                          bool largest) {
  check(plan.inner > 0, op, "cannot take the ", largest ? "maximum" : "minimum", " of an empty dimension");
  Tensor values = detail::make_contiguous(plan.out_sizes, dtype);
  Tensor indices = detail::make_contiguous(plan.out_sizes, kInt64);
  kernels::dispatch(dtype, [&]<class T>() {
    const auto beats = [largest](T candidate, T best) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(best)) return false;
        if (std::isnan(candidate)) return true;
      }
      return largest ? candidate > best : candidate < best;
    };
    const T* in = plan.rows.data_ptr<T>();
    T* best_values = values.data_ptr<T>();
    std::int64_t* best_indices = indices.data_ptr<std::int64_t>();
    kernels::parallel_for(plan.outer, plan.outer * plan.inner >= kernels::kParallelThreshold,
                          [&](std::int64_t i) {
                            const T* row = in + i * plan.inner;
                            std::int64_t best = 0;
                            for (std::int64_t j = 1; j < plan.inner; ++j)
                              if (beats(row[j], row[best])) best = j;
                            best_values[i] = row[best];
                            best_indices[i] = best;
                          });
  });
  return {values, indices};
}

}  // namespace

// ---- sum_to: undo broadcasting by summing the leading dims and the dims that were 1.
Tensor sum_to(const Tensor& grad, IntArrayRef sizes) {
  if (grad.sizes() == sizes) return grad;
  const std::int64_t lead = grad.dim() - static_cast<std::int64_t>(sizes.size());
  check(lead >= 0, "sum_to", "cannot sum shape ", grad.sizes(), " to the larger shape ", sizes);
  Shape dims;
  for (std::int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (sizes[static_cast<std::size_t>(d - lead)] == 1 && grad.size(d) != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reduced.sizes() == sizes ? reduced : reduced.reshape(sizes);
}

// ---- sum: every input element receives the gradient of its row: expand the kept-dims gradient.
struct SumBackward : Node {
  Shape keep_sizes;
  double scale = 1.0;  // 1/count for mean
  bool is_mean = false;
  std::string_view name() const override { return is_mean ? "MeanBackward" : "SumBackward"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor grad = g[0].reshape(keep_sizes).expand(input_meta()[0].sizes);
    return {scale == 1.0 ? grad : grad * scale};
  }
};

// Its own type so that the name is right from the moment it is recorded (anomaly messages).
struct MeanBackward final : SumBackward {
  MeanBackward() { is_mean = true; }
};

// Sums of integer and bool tensors are int64 (as PyTorch's), exact, with no gradient: the accuracy count
// `(prediction == target).sum().item<int64_t>()` of every libtorch training loop.
namespace {
Tensor integer_sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
  ReductionPlan plan = plan_reduction("sum", x.detach().to(kInt64), dims, keepdim);
  Tensor out = detail::make_contiguous(plan.out_sizes, kInt64);
  const auto* in = plan.rows.data_ptr<std::int64_t>();
  auto* result = out.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < plan.outer; ++i) {
    std::uint64_t total = 0;  // wraps around on overflow, as PyTorch's, without signed overflow
    for (std::int64_t j = 0; j < plan.inner; ++j) total += static_cast<std::uint64_t>(in[i * plan.inner + j]);
    result[i] = static_cast<std::int64_t>(total);
  }
  return out;
}
}  // namespace

Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_defined("sum", "input", x);
  if (!x.is_floating_point()) return integer_sum(x, dims, keepdim);
  Tensor out;
  Shape keep_sizes;
  if (auto fast = sum_leading_dims(x, dims, keepdim)) {
    out = std::move(*fast);
    keep_sizes = x.sizes();
    for (std::size_t d = 0; d < dims.size(); ++d) keep_sizes[d] = 1;
  } else {
    ReductionPlan plan = plan_reduction("sum", x, dims, keepdim, /*segmented_ok=*/true);
    out = sum_kernel(plan, x.dtype());
    keep_sizes = plan.keep_sizes;
  }
  if (auto* node = record<SumBackward>({x}, {out})) node->keep_sizes = keep_sizes;
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_floating("mean", "input", x);
  ReductionPlan plan = plan_reduction("mean", x, dims, keepdim, /*segmented_ok=*/true);
  Tensor out = sum_kernel(plan, x.dtype());
  const double scale = 1.0 / static_cast<double>(plan.inner);
  kernels::dispatch_floating("mean", x.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    for (std::int64_t i = 0; i < out.numel(); ++i) data[i] = static_cast<T>(data[i] * scale);
  });
  if (auto* node = record<MeanBackward>({x}, {out})) {
    node->keep_sizes = plan.keep_sizes;
    node->scale = scale;
  }
  return out;
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

// ---- max/min/amax/amin over dims: the gradient of each output is shared equally by the input elements
// equal to it (PyTorch's rule for ties). The mask is a constant, so the backward is linear in g and
// differentiable again.
template <bool kLargest, bool kAmax>
struct ExtremeBackward final : Node {
  SavedTensor x, y;
  Shape keep_sizes;
  Shape dims;  // empty: every dim
  std::string_view name() const override {
    if constexpr (kAmax) return kLargest ? "AmaxBackward" : "AminBackward";
    return kLargest ? "MaxBackward" : "MinBackward";
  }
  void release_saved() override {
    x.reset();
    y.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    Tensor mask = eq(input, y.unpack(*this).reshape(keep_sizes)).to(input.dtype());
    Tensor count = sum(mask, dims, /*keepdim=*/true);
    return {g[0].reshape(keep_sizes) * (mask / count)};
  }
};

template <bool kLargest, bool kAmax>
Tensor extreme_values(std::string_view op, const Tensor& x, IntArrayRef dims, bool keepdim) {
  check(x.numel() > 0 || !dims.empty(), op, "cannot take the ", kLargest ? "maximum" : "minimum",
        " of an empty tensor of shape ", x.sizes(), "; pass a dim");
  ReductionPlan plan = plan_reduction(op, x, dims, keepdim);
  Tensor out = std::get<0>(extreme_kernel(op, plan, x.dtype(), kLargest));
  if (auto* node = record<ExtremeBackward<kLargest, kAmax>>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->y = SavedTensor(out, true);
    node->keep_sizes = plan.keep_sizes;
    node->dims = dims.vec();
  }
  return out;
}

Tensor max(const Tensor& x) { return extreme_values<true, false>("max", x, {}, false); }
Tensor min(const Tensor& x) { return extreme_values<false, false>("min", x, {}, false); }
Tensor amax(const Tensor& x, IntArrayRef dims, bool keepdim) {
  return extreme_values<true, true>("amax", x, dims, keepdim);
}
Tensor amin(const Tensor& x, IntArrayRef dims, bool keepdim) {
  return extreme_values<false, true>("amin", x, dims, keepdim);
}

// ---- max/min along a dim: the gradient goes to the selected index (a scatter, see gather_backward).
template <bool kLargest>
struct ExtremeDimBackward final : Node {
  SavedTensor indices;
  std::int64_t dim = 0;
  bool keepdim = false;
  std::string_view name() const override { return kLargest ? "MaxBackward" : "MinBackward"; }
  void release_saved() override { indices.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor index = indices.unpack(*this);
    Tensor grad = g[0];
    if (!keepdim && !input_meta()[0].sizes.empty()) {
      grad = grad.unsqueeze(dim);
      index = index.unsqueeze(dim);
    }
    return {gather_backward(grad, dim, index, input_meta()[0].sizes)};
  }
};

template <bool kLargest>
std::tuple<Tensor, Tensor> extreme_along(std::string_view op, const Tensor& x, std::int64_t dim,
                                         bool keepdim) {
  const std::int64_t d = wrap_dim(op, dim, x.dim());
  ReductionPlan plan = plan_reduction(op, x, {d}, keepdim);
  auto [values, indices] = extreme_kernel(op, plan, x.dtype(), kLargest);
  if (auto* node = record<ExtremeDimBackward<kLargest>>({x}, {values})) {
    node->indices = SavedTensor(indices, false);
    node->dim = d;
    node->keepdim = keepdim;
  }
  return {values, indices};
}

std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<true>("max", x, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_along<false>("min", x, dim, keepdim);
}

namespace {
Tensor extreme_index(std::string_view op, const Tensor& x, std::optional<std::int64_t> dim, bool keepdim,
                     bool largest) {
  if (!dim) {
    check(x.numel() > 0, op, "cannot take the ", op, " of an empty tensor");
    Tensor flat = x.detach().reshape({x.numel()});
    Tensor index = std::get<1>(extreme_kernel(op, plan_reduction(op, flat, {}, false), x.dtype(), largest));
    // keepdim without a dim keeps every dim as size 1, as PyTorch does.
    return keepdim ? index.reshape(Shape(static_cast<std::size_t>(x.dim()), std::int64_t{1})) : index;
  }
  ReductionPlan plan = plan_reduction(op, x.detach(), {wrap_dim(op, *dim, x.dim())}, keepdim);
  return std::get<1>(extreme_kernel(op, plan, x.dtype(), largest));
}
}  // namespace

Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  return extreme_index("argmax", x, dim, keepdim, true);
}
Tensor argmin(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  return extreme_index("argmin", x, dim, keepdim, false);
}

// ---- var: d var / dx = 2 (x - mean) / (N - correction), times the expanded output gradient.
struct VarBackward final : Node {
  SavedTensor x;
  Shape keep_sizes;
  Shape dims;
  double divisor = 1.0;
  std::string_view name() const override { return "VarBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    Tensor centered = input - mean(input, dims, /*keepdim=*/true);
    return {g[0].reshape(keep_sizes) * centered * (2.0 / divisor)};
  }
};

namespace {
Tensor var_with_correction(const Tensor& x, IntArrayRef dims, double correction, bool keepdim) {
  detail::check_floating("var", "input", x);
  ReductionPlan plan = plan_reduction("var", x, dims, keepdim);
  // As PyTorch: no more elements than the correction gives NaN (a divisor of 0; an empty input too).
  const double divisor = std::max(static_cast<double>(plan.inner) - correction, 0.0);
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor input = x.detach();
    Tensor centered = input - mean(input, dims, /*keepdim=*/true);
    out = sum(centered * centered, dims, keepdim) * (1.0 / divisor);
  }
  if (auto* node = record<VarBackward>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->keep_sizes = plan.keep_sizes;
    node->dims = dims.vec();
    node->divisor = divisor;
  }
  return out;
}
}  // namespace

Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
  return var_with_correction(x, dims, unbiased ? 1.0 : 0.0, keepdim);
}

Tensor var(const Tensor& x, OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim) {
  return var_with_correction(x, dims.value_or(IntArrayRef{}), static_cast<double>(correction.value_or(1)),
                             keepdim);
}

Tensor var(const Tensor& x, bool unbiased) { return var(x, {}, unbiased, false); }

// ---- std = sqrt(var): composed, so its gradient var' / (2 std) and double backward come from the parts.
namespace {
// sqrt(variance) whose gradient is 0 where the variance is 0 (a constant slice), as PyTorch's std
// backward: plain sqrt would give inf * 0 = NaN there. Both wheres keep double backward NaN-free too.
Tensor std_from_var(const Tensor& variance) {
  const Tensor constant = variance == 0;
  return where(constant, zeros_like(variance), sqrt(where(constant, ones_like(variance), variance)));
}
}  // namespace

Tensor std(const Tensor& x, bool unbiased) {
  detail::check_floating("std", "input", x);
  return std_from_var(var(x, unbiased));
}
Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
  detail::check_floating("std", "input", x);
  return std_from_var(var(x, dims, unbiased, keepdim));
}
Tensor std(const Tensor& x, OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim) {
  detail::check_floating("std", "input", x);
  return std_from_var(var(x, dims, correction, keepdim));
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, bool unbiased) { return {var(x, unbiased), mean(x)}; }
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
  return {var(x, dims, unbiased, keepdim), mean(x, dims, keepdim)};
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, bool unbiased) { return {std(x, unbiased), mean(x)}; }
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
  return {std(x, dims, unbiased, keepdim), mean(x, dims, keepdim)};
}

// ---- prod: d prod / dx_i is the product of the other elements of x_i's slice. Dividing prod by x_i
// fails at zeros, so the slices are told apart by their zero count: none (prod / x_i), one (only the
// zero gets the product of the rest), several (all zero). Written with differentiable ops, it is
// differentiable again.
struct ProdBackward final : Node {
  SavedTensor x;
  Shape keep_sizes;
  Shape dims;  // empty: every dim
  std::string_view name() const override { return "ProdBackward"; }
  void release_saved() override { x.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    Tensor is_zero = eq(input, 0);
    Tensor zeros_in_slice = sum(is_zero.to(input.dtype()), dims, /*keepdim=*/true);
    Tensor zeros_as_one = where(is_zero, 1, input);
    Tensor product_of_nonzeros = prod_over(zeros_as_one, dims, /*keepdim=*/true);
    Tensor lone_zero = logical_and(is_zero, eq(zeros_in_slice, 1));
    Tensor others = where(eq(zeros_in_slice, 0), product_of_nonzeros / zeros_as_one,
                          where(lone_zero, product_of_nonzeros, 0));
    return {g[0].reshape(keep_sizes) * others};
  }
};

namespace {
// int64 products wrap around as in PyTorch (computed in uint64, where overflow is defined).
Tensor integer_prod(const ReductionPlan& plan) {
  Tensor out = detail::make_contiguous(plan.out_sizes, Dtype::Int64);
  const std::int64_t* in = plan.rows.data_ptr<std::int64_t>();
  std::int64_t* result = out.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < plan.outer; ++i) {
    std::uint64_t product = 1;
    for (std::int64_t j = 0; j < plan.inner; ++j)
      product *= static_cast<std::uint64_t>(in[i * plan.inner + j]);
    result[i] = static_cast<std::int64_t>(product);
  }
  return out;
}

// PyTorch multiplies integer and bool inputs in int64 unless a dtype is given.
Tensor prod_input(const Tensor& x, std::optional<Dtype> dtype) {
  detail::check_defined("prod", "input", x);
  if (dtype) return x.to(*dtype);
  return is_floating_point(x.dtype()) ? x : x.to(Dtype::Int64);
}
}  // namespace

Tensor prod_over(const Tensor& x, IntArrayRef dims, bool keepdim) {
  ReductionPlan plan = plan_reduction("prod", x, dims, keepdim);
  if (x.dtype() == Dtype::Int64) return integer_prod(plan);
  detail::check_floating("prod", "input", x);
  Tensor out = detail::make_contiguous(plan.out_sizes, x.dtype());
  kernels::dispatch_floating("prod", x.dtype(), [&]<class T>() {
    const T* in = plan.rows.data_ptr<T>();
    T* result = out.data_ptr<T>();
    kernels::parallel_for(plan.outer, plan.outer * plan.inner >= kernels::kParallelThreshold,
                          [&](std::int64_t i) {
                            double product = 1;
                            for (std::int64_t j = 0; j < plan.inner; ++j)
                              product *= static_cast<double>(in[i * plan.inner + j]);
                            result[i] = static_cast<T>(product);
                          });
  });
  if (auto* node = record<ProdBackward>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->keep_sizes = plan.keep_sizes;
    node->dims = dims.vec();
  }
  return out;
}

Tensor prod(const Tensor& x, std::optional<Dtype> dtype) {
  return prod_over(prod_input(x, dtype), {}, false);
}
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim, std::optional<Dtype> dtype) {
  const Tensor input = prod_input(x, dtype);
  return prod_over(input, {wrap_dim("prod", dim, input.dim())}, keepdim);
}

// ---- logsumexp = m + log(sum(exp(x - m))) with m the (constant) slice maximum, so exp never
// overflows; composed of differentiable ops, its gradient is softmax(x) over the slice.
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_floating("logsumexp", "input", x);
  ReductionPlan plan = plan_reduction("logsumexp", x, dims, keepdim);
  Tensor shift;
  {
    NoGradGuard no_grad;
    // An empty slice or an infinite maximum would give inf - inf: shift by 0 there instead.
    shift =
        plan.inner == 0 ? zeros(plan.keep_sizes, dtype(x.dtype())) : amax(x.detach(), dims, /*keepdim=*/true);
    shift = where(isinf(shift), 0, shift);
  }
  Tensor out = log(sum(exp(x - shift), dims, /*keepdim=*/true)) + shift;
  return out.reshape(plan.out_sizes);
}

Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return tg::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return tg::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return tg::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(std::int64_t dim, bool keepdim) const {
  return tg::max(*this, dim, keepdim);
}
Tensor Tensor::argmax(std::optional<std::int64_t> dim, bool keepdim) const {
  return tg::argmax(*this, dim, keepdim);
}
Tensor Tensor::min() const { return tg::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(std::int64_t dim, bool keepdim) const {
  return tg::min(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<std::int64_t> dim, bool keepdim) const {
  return tg::argmin(*this, dim, keepdim);
}
Tensor Tensor::prod(std::optional<Dtype> dtype) const { return tg::prod(*this, dtype); }
Tensor Tensor::prod(std::int64_t dim, bool keepdim, std::optional<Dtype> dtype) const {
  return tg::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const { return tg::logsumexp(*this, dims, keepdim); }
Tensor Tensor::std(bool unbiased) const { return tg::std(*this, unbiased); }
Tensor Tensor::std(IntArrayRef dims, bool unbiased, bool keepdim) const {
  return tg::std(*this, dims, unbiased, keepdim);
}
Tensor Tensor::std(OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim) const {
  return tg::std(*this, dims, correction, keepdim);
}
Tensor Tensor::var(OptionalIntArrayRef dims, std::optional<std::int64_t> correction, bool keepdim) const {
  return tg::var(*this, dims, correction, keepdim);
}
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const { return tg::amax(*this, dims, keepdim); }
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const { return tg::amin(*this, dims, keepdim); }
Tensor Tensor::var(bool unbiased) const { return tg::var(*this, unbiased); }
Tensor Tensor::var(IntArrayRef dims, bool unbiased, bool keepdim) const {
  return tg::var(*this, dims, unbiased, keepdim);
}

}  // namespace tg
