#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

// A reduction seen as rows: the kept dims become `outer` rows of `inner` reduced elements each.
struct ReductionPlan {
  Shape keep_sizes;  // reduced dims as 1
  Shape out_sizes;   // with or without the reduced dims, per keepdim
  Tensor rows;       // contiguous, outer x inner, no autograd history
  std::int64_t outer = 1;
  std::int64_t inner = 1;
};

ReductionPlan plan_reduction(std::string_view op, const Tensor& x, IntArrayRef dims, bool keepdim) {
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
  plan.rows = detail::make_contiguous(perm_sizes, x.dtype());
  kernels::copy(plan.rows, view);
  return plan;
}

Tensor sum_kernel(const ReductionPlan& plan, Dtype dtype) {
  Tensor out = detail::make_contiguous(plan.out_sizes, dtype);
  kernels::dispatch_floating("sum", dtype, [&]<class T>() {
    const T* in = plan.rows.data_ptr<T>();
    T* result = out.data_ptr<T>();
    const std::int64_t outer = plan.outer, inner = plan.inner;
    // Accumulated in double; `simd` lets the compiler split the sum over vector lanes (it may not
    // reorder additions otherwise), which is what makes these loops run at memory bandwidth.
    if (outer == 1) {
      double total = 0;
      if (inner >= kernels::kParallelThreshold) {
#pragma omp parallel for simd num_threads(kernels::num_threads()) reduction(+ : total) schedule(static)
        for (std::int64_t j = 0; j < inner; ++j) total += static_cast<double>(in[j]);
      } else {
#pragma omp simd reduction(+ : total)
        for (std::int64_t j = 0; j < inner; ++j) total += static_cast<double>(in[j]);
      }
      result[0] = static_cast<T>(total);
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

// Values and first indices of the maximum of each row.
std::tuple<Tensor, Tensor> max_kernel(std::string_view op, const ReductionPlan& plan, Dtype dtype) {
  check(plan.inner > 0, op, "cannot take the maximum of an empty dimension");
  Tensor values = detail::make_contiguous(plan.out_sizes, dtype);
  Tensor indices = detail::make_contiguous(plan.out_sizes, kInt64);
  kernels::dispatch_floating(op, dtype, [&]<class T>() {
    const T* in = plan.rows.data_ptr<T>();
    T* best_values = values.data_ptr<T>();
    std::int64_t* best_indices = indices.data_ptr<std::int64_t>();
    kernels::parallel_for(plan.outer, plan.outer * plan.inner >= kernels::kParallelThreshold,
                          [&](std::int64_t i) {
                            const T* row = in + i * plan.inner;
                            std::int64_t best = 0;
                            for (std::int64_t j = 1; j < plan.inner; ++j)
                              if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best])))
                                best = j;
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

Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_floating("sum", "input", x);
  Tensor out;
  Shape keep_sizes;
  if (auto fast = sum_leading_dims(x, dims, keepdim)) {
    out = std::move(*fast);
    keep_sizes = x.sizes();
    for (std::size_t d = 0; d < dims.size(); ++d) keep_sizes[d] = 1;
  } else {
    ReductionPlan plan = plan_reduction("sum", x, dims, keepdim);
    out = sum_kernel(plan, x.dtype());
    keep_sizes = plan.keep_sizes;
  }
  if (auto* node = record<SumBackward>({x}, {out})) node->keep_sizes = keep_sizes;
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_floating("mean", "input", x);
  ReductionPlan plan = plan_reduction("mean", x, dims, keepdim);
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

// ---- max over everything: the gradient is shared equally by all elements equal to the maximum.
struct MaxBackward final : Node {
  SavedTensor x, y;
  std::string_view name() const override { return "MaxBackward"; }
  void release_saved() override {
    x.reset();
    y.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor input = x.unpack(*this);
    const double best = y.unpack(*this).item<double>();
    Tensor mask = kernels::map("max", input, [best](auto v) { return v == best ? 1 : 0; });
    double count = 0;
    for (double m : mask.to_vector<double>()) count += m;
    return {g[0] * (mask * (1.0 / count))};
  }
};

Tensor max(const Tensor& x) {
  detail::check_floating("max", "input", x);
  check(x.numel() > 0, "max", "cannot take the maximum of an empty tensor of shape ", x.sizes());
  ReductionPlan plan = plan_reduction("max", x, {}, false);
  Tensor out = std::get<0>(max_kernel("max", plan, x.dtype()));
  if (auto* node = record<MaxBackward>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->y = SavedTensor(out, true);
  }
  return out;
}

// ---- max along a dim: the gradient goes to the selected index (a scatter, see gather_backward).
struct MaxDimBackward final : Node {
  SavedTensor indices;
  std::int64_t dim = 0;
  bool keepdim = false;
  std::string_view name() const override { return "MaxBackward"; }
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

std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::check_floating("max", "input", x);
  const std::int64_t d = wrap_dim("max", dim, x.dim());
  ReductionPlan plan = plan_reduction("max", x, {d}, keepdim);
  auto [values, indices] = max_kernel("max", plan, x.dtype());
  if (auto* node = record<MaxDimBackward>({x}, {values})) {
    node->indices = SavedTensor(indices, false);
    node->dim = d;
    node->keepdim = keepdim;
  }
  return {values, indices};
}

Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  detail::check_floating("argmax", "input", x);
  if (!dim) {
    check(x.numel() > 0, "argmax", "cannot take the argmax of an empty tensor");
    ReductionPlan plan = plan_reduction("argmax", x.contiguous().detach().reshape({x.numel()}), {}, keepdim);
    return std::get<1>(max_kernel("argmax", plan, x.dtype()));
  }
  ReductionPlan plan = plan_reduction("argmax", x, {wrap_dim("argmax", *dim, x.dim())}, keepdim);
  return std::get<1>(max_kernel("argmax", plan, x.dtype()));
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

Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
  detail::check_floating("var", "input", x);
  ReductionPlan plan = plan_reduction("var", x, dims, keepdim);
  // As PyTorch: no more elements than the correction gives NaN (a divisor of 0; an empty input too).
  const double divisor = std::max(static_cast<double>(plan.inner) - (unbiased ? 1.0 : 0.0), 0.0);
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

Tensor var(const Tensor& x, bool unbiased) { return var(x, {}, unbiased, false); }

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
Tensor Tensor::var(bool unbiased) const { return tg::var(*this, unbiased); }
Tensor Tensor::var(IntArrayRef dims, bool unbiased, bool keepdim) const {
  return tg::var(*this, dims, unbiased, keepdim);
}

}  // namespace tg
