#include <cmath>
#include <limits>
#include <type_traits>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/rearrange.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/rows_along_dim.hpp>
#include <tapegrad/autograd/ops/scan.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using detail::RowsAlongDim;

namespace {

bool parallel_rows(const RowsAlongDim& rows) {
  return rows.outer > 1 && rows.outer * rows.length >= kernels::kParallelThreshold;
}

// cumsum/cumprod compute in `dtype` when given, else in the input's floating type or in int64.
Tensor scan_input(std::string_view op, const Tensor& x, std::optional<Dtype> dtype) {
  detail::check_defined(op, "input", x);
  const Dtype target = dtype.value_or(x.is_floating_point() ? x.dtype() : kInt64);
  check(target != kBool, op, "not implemented for bool results (input of shape ", x.sizes(),
        "); pass dtype=int64 or leave dtype unset");
  return x.dtype() == target ? x : x.to(target);
}

// out[i] = combine(out[i - 1], in[i]) along every row, accumulated in `Accumulator`: double for
// floating types; uint64 for integers, so that overflow wraps as PyTorch's int64 does, without
// signed-overflow UB.
template <class Combine>
Tensor running(const RowsAlongDim& rows, double start, Combine combine) {
  Tensor out = detail::make_contiguous(rows.data.sizes(), rows.data.dtype());
  kernels::dispatch(rows.data.dtype(), [&]<class T>() {
    using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;
    const T* in = rows.data.data_ptr<T>();
    T* result = out.data_ptr<T>();
    kernels::parallel_for(rows.outer, parallel_rows(rows), [&](std::int64_t i) {
      auto total = static_cast<Accumulator>(start);
      for (std::int64_t j = i * rows.length; j < (i + 1) * rows.length; ++j) {
        if constexpr (std::is_floating_point_v<T>)
          total = combine(total, static_cast<double>(in[j]));
        else
          total = combine(total, static_cast<std::uint64_t>(static_cast<std::int64_t>(in[j])));
        result[j] = static_cast<T>(total);
      }
    });
  });
  return out;
}

// Sums from each position to the end of its slice: the adjoint of cumsum.
Tensor reverse_cumsum(const Tensor& x, std::int64_t dim) { return flip(cumsum(flip(x, {dim}), dim), {dim}); }

}  // namespace

// ---- cumsum: y_k = sum_{i <= k} x_i, so dL/dx_i = sum_{k >= i} g_k, a reversed cumsum.
struct CumsumBackward final : Node {
  std::int64_t dim = 0;
  std::string_view name() const override { return "CumsumBackward"; }
  tensor_list apply(tensor_list&& g) override {
    if (input_meta()[0].sizes.empty()) return {g[0]};
    return {reverse_cumsum(g[0], dim)};
  }
};

Tensor cumsum(const Tensor& x, std::int64_t dim, std::optional<Dtype> dtype) {
  const Tensor input = scan_input("cumsum", x, dtype);
  const RowsAlongDim rows = detail::rows_along_dim("cumsum", input, dim);
  Tensor out =
      detail::restore_dim(rows, running(rows, 0.0, [](auto total, auto value) { return total + value; }));
  if (auto* node = record<CumsumBackward>({input}, {out})) node->dim = rows.dim;
  return out;
}

// ---- cumprod: dL/dx_i = sum_{k >= i} g_k prod_{j <= k, j != i} x_j. Without zeros that is
// reverse_cumsum(g * y) / x_i. With zeros, let z be a slice's first zero:
//   i < z: the same formula (terms k >= z vanish as y_k = 0);
//   i = z: prod_{j < z} x_j * sum_{k >= z} g_k prod_{z < j <= k} x_j;
//   i > z: x_z times the gradient of the slice with x_z set to 1 (every term holds x_z once), which
//          is 0 but keeps d/dx_z for double backward; computed by recursing on one zero fewer.
// Each part equals the true gradient near the input (masks held fixed), so the whole is
// differentiable again.
namespace {
Tensor cumprod_grad(const Tensor& input, const Tensor& output, const Tensor& grad, std::int64_t dim) {
  const Tensor is_zero = eq(input, 0);
  if (!any(is_zero).item<bool>()) return reverse_cumsum(grad * output, dim) / input;
  const Tensor zeros_so_far = cumsum(is_zero, dim);
  const Tensor before_zero = eq(zeros_so_far, 0);
  const Tensor first_zero = logical_and(is_zero, eq(zeros_so_far, 1));
  const Tensor after_first_zero = logical_not(logical_or(before_zero, first_zero));
  const Tensor before_part =
      where(before_zero, reverse_cumsum(grad * output, dim) / where(before_zero, input, 1), 0);
  const Tensor prefix_product = prod(where(before_zero, input, 1), dim, /*keepdim=*/true);
  const Tensor past_first_zero = where(logical_or(before_zero, first_zero), 1, input);
  const Tensor zero_part =
      where(first_zero, prefix_product * reverse_cumsum(grad * cumprod(past_first_zero, dim), dim), 0);
  const Tensor first_zero_value = sum(where(first_zero, input, 0), {dim}, /*keepdim=*/true);
  const Tensor zero_as_one = where(first_zero, 1, input);
  const Tensor after_part =
      where(after_first_zero,
            first_zero_value * cumprod_grad(zero_as_one, cumprod(zero_as_one, dim), grad, dim), 0);
  return before_part + zero_part + after_part;
}
}  // namespace

struct CumprodBackward final : Node {
  SavedTensor x, y;
  std::int64_t dim = 0;
  std::string_view name() const override { return "CumprodBackward"; }
  void release_saved() override {
    x.reset();
    y.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    if (input_meta()[0].sizes.empty()) return {g[0]};
    return {cumprod_grad(x.unpack(*this), y.unpack(*this), g[0], dim)};
  }
};

Tensor cumprod(const Tensor& x, std::int64_t dim, std::optional<Dtype> dtype) {
  const Tensor input = scan_input("cumprod", x, dtype);
  const RowsAlongDim rows = detail::rows_along_dim("cumprod", input, dim);
  Tensor out =
      detail::restore_dim(rows, running(rows, 1.0, [](auto total, auto value) { return total * value; }));
  if (auto* node = record<CumprodBackward>({input}, {out})) {
    node->x = SavedTensor(input, false);
    node->y = SavedTensor(out, true);
    node->dim = rows.dim;
  }
  return out;
}

// ---- cummax/cummin: each output is one input element, so its gradient goes back to the index it
// came from (a scatter-add, gather_backward).
template <bool kLargest>
struct CumExtremeBackward final : Node {
  SavedTensor indices;
  std::int64_t dim = 0;
  std::string_view name() const override { return kLargest ? "CummaxBackward" : "CumminBackward"; }
  void release_saved() override { indices.reset(); }
  tensor_list apply(tensor_list&& g) override {
    return {gather_backward(g[0], dim, indices.unpack(*this), input_meta()[0].sizes)};
  }
};

namespace {
template <bool kLargest>
std::tuple<Tensor, Tensor> running_extreme(std::string_view op, const Tensor& x, std::int64_t dim) {
  detail::check_defined(op, "input", x);
  const RowsAlongDim rows = detail::rows_along_dim(op, x, dim);
  Tensor values = detail::make_contiguous(rows.data.sizes(), x.dtype());
  Tensor indices = detail::make_contiguous(rows.data.sizes(), kInt64);
  kernels::dispatch(x.dtype(), [&]<class T>() {
    const T* in = rows.data.data_ptr<T>();
    T* best_values = values.data_ptr<T>();
    std::int64_t* best_indices = indices.data_ptr<std::int64_t>();
    // An equal element takes over (PyTorch reports the latest of equal extremes), and NaN beats
    // everything, itself included, so the index follows the latest NaN.
    const auto takes_over = [](T candidate, T best) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(candidate)) return true;
        if (std::isnan(best)) return false;
      }
      return kLargest ? candidate >= best : candidate <= best;
    };
    kernels::parallel_for(rows.outer, parallel_rows(rows), [&](std::int64_t i) {
      const std::int64_t begin = i * rows.length;
      std::int64_t best = 0;
      for (std::int64_t j = 0; j < rows.length; ++j) {
        if (takes_over(in[begin + j], in[begin + best])) best = j;
        best_values[begin + j] = in[begin + best];
        best_indices[begin + j] = best;
      }
    });
  });
  values = detail::restore_dim(rows, values);
  indices = detail::restore_dim(rows, indices);
  if (auto* node = record<CumExtremeBackward<kLargest>>({x}, {values})) {
    node->indices = SavedTensor(indices, false);
    node->dim = rows.dim;
  }
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> cummax(const Tensor& x, std::int64_t dim) {
  return running_extreme<true>("cummax", x, dim);
}
std::tuple<Tensor, Tensor> cummin(const Tensor& x, std::int64_t dim) {
  return running_extreme<false>("cummin", x, dim);
}

// ---- logcumsumexp: dL/dx_i = sum_{k >= i} g_k exp(x_i - y_k). First-order backward splits g by sign
// so each half is a sum of positive terms, computed in log space as
// exp(x_i + reverse_logcumsumexp(log|g| - y)): no exp ever overflows. That form has -inf entries
// (log 0 of the other sign's half) whose derivatives are not those of the sum, so with create_graph
// the backward is the plain exp(x_i - s) * reverse_cumsum(g_k exp(s - y_k)), shifted by the slice's
// largest y (a constant s): its derivatives are right, but a slice whose y spans more than ~700
// overflows. NOTE: the two agree in value; only double backward uses the second.
struct LogcumsumexpBackward final : Node {
  SavedTensor x, y;
  std::int64_t dim = 0;
  std::string_view name() const override { return "LogcumsumexpBackward"; }
  void release_saved() override {
    x.reset();
    y.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    const Tensor& grad = g[0];
    if (input_meta()[0].sizes.empty()) return {grad};
    const Tensor input = x.unpack(*this), output = y.unpack(*this);
    if (GradMode::is_enabled()) {
      Tensor shift = amax(output.detach(), {dim}, /*keepdim=*/true);
      shift = where(isinf(shift), 0, shift);
      return {exp(input - shift) * reverse_cumsum(grad * exp(shift - output), dim)};
    }
    const auto weighted_sum = [&](const Tensor& magnitude) {
      const Tensor terms = flip(logcumsumexp(flip(log(magnitude) - output, {dim}), dim), {dim});
      return exp(input + terms);
    };
    return {weighted_sum(where(grad > 0, grad, 0)) - weighted_sum(where(grad < 0, -grad, 0))};
  }
};

namespace {
// log(exp(a) + exp(b)) without overflow; infinities and NaN pass through.
double log_add_exp(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  const double larger = std::max(a, b), smaller = std::min(a, b);
  if (std::isinf(larger)) return larger;  // +inf absorbs everything; -inf means both are -inf
  return larger + std::log1p(std::exp(smaller - larger));
}
}  // namespace

Tensor logcumsumexp(const Tensor& x, std::int64_t dim) {
  detail::check_floating("logcumsumexp", "input", x);
  const RowsAlongDim rows = detail::rows_along_dim("logcumsumexp", x, dim);
  Tensor out =
      detail::restore_dim(rows, running(rows, -std::numeric_limits<double>::infinity(), log_add_exp));
  if (auto* node = record<LogcumsumexpBackward>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->y = SavedTensor(out, true);
    node->dim = rows.dim;
  }
  return out;
}

Tensor Tensor::cumsum(std::int64_t dim, std::optional<Dtype> dtype) const {
  return tg::cumsum(*this, dim, dtype);
}
Tensor Tensor::cumprod(std::int64_t dim, std::optional<Dtype> dtype) const {
  return tg::cumprod(*this, dim, dtype);
}
std::tuple<Tensor, Tensor> Tensor::cummax(std::int64_t dim) const { return tg::cummax(*this, dim); }
std::tuple<Tensor, Tensor> Tensor::cummin(std::int64_t dim) const { return tg::cummin(*this, dim); }
Tensor Tensor::logcumsumexp(std::int64_t dim) const { return tg::logcumsumexp(*this, dim); }

namespace {
// In place keeps self's dtype (PyTorch refuses any other `dtype`); the scan runs in that dtype.
template <class Scan>
const Tensor& scan_in_place(std::string_view op, const Tensor& self, std::optional<Dtype> dtype, Scan scan) {
  detail::check_inplace(op, self);
  check(!dtype || *dtype == self.dtype(), op, "Bad in-place call: input tensor dtype ", self.dtype(),
        " and output tensor dtype ", dtype.value_or(self.dtype()), " should match");
  NoGradGuard no_grad;
  const Tensor result = scan(self.dtype());
  return self.copy_(result);
}
}  // namespace

const Tensor& Tensor::cumsum_(std::int64_t dim, std::optional<Dtype> dtype) const {
  return scan_in_place("cumsum_", *this, dtype, [&](Dtype type) { return tg::cumsum(*this, dim, type); });
}
const Tensor& Tensor::cumprod_(std::int64_t dim, std::optional<Dtype> dtype) const {
  return scan_in_place("cumprod_", *this, dtype, [&](Dtype type) { return tg::cumprod(*this, dim, type); });
}

}  // namespace tg
