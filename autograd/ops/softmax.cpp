#include <algorithm>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/softmax_rows.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace detail {

Tensor softmax_values(const Tensor& x, std::int64_t dim, bool log) {
  const std::string_view op = log ? "log_softmax" : "softmax";
  check_floating(op, "input", x);
  if (x.dim() == 0) return full(x.sizes(), log ? 0.0 : 1.0, x.dtype());
  const auto d = static_cast<std::size_t>(wrap_dim(op, dim, x.dim()));
  const std::size_t last = static_cast<std::size_t>(x.dim() - 1);
  if (d == last) {  // rows are already contiguous (after at most one copy): no reordering
    const Tensor input = x.contiguous();
    Tensor out = make_contiguous(x.sizes(), x.dtype());
    kernels::softmax_rows(input, out, x.sizes()[last], log);
    return out;
  }
  // Move `dim` last, compute on contiguous rows in place, move it back.
  Shape sizes = x.sizes(), strides = x.strides();
  std::swap(sizes[d], sizes[last]);
  std::swap(strides[d], strides[last]);
  Tensor rows = make_contiguous(sizes, x.dtype());
  kernels::copy(rows, make_view(x, sizes, strides, x.storage_offset()));
  kernels::softmax_rows(rows, rows, sizes[last], log);
  Shape back_sizes = rows.sizes(), back_strides = rows.strides();
  std::swap(back_sizes[d], back_sizes[last]);
  std::swap(back_strides[d], back_strides[last]);
  Tensor out = make_contiguous(back_sizes, x.dtype());
  kernels::copy(out, make_view(rows, back_sizes, back_strides, 0));
  return out;
}

}  // namespace detail

// ---- softmax: dx = y * (g - sum(g * y, dim)).
struct SoftmaxBackward final : Node {
  SavedTensor y;
  std::int64_t dim = 0;
  std::string_view name() const override { return "SoftmaxBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor out = y.unpack(*this);
    // One fused pass per row when no graph is recorded and the rows are the last dim.
    if (!GradMode::is_enabled() && out.dim() > 0 && dim == out.dim() - 1)
      return {kernels::softmax_rows_backward(g[0], out, out.size(dim), /*log=*/false)};
    return {out * (g[0] - sum(g[0] * out, {dim}, /*keepdim=*/true))};
  }
};

Tensor softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = detail::softmax_values(x, dim, false);
  if (auto* node = record<SoftmaxBackward>({x}, {y})) {
    node->y = SavedTensor(y, true);
    node->dim = x.dim() == 0 ? 0 : wrap_dim("softmax", dim, x.dim());
  }
  return y;
}

// ---- log_softmax: dx = g - exp(y) * sum(g, dim).
struct LogSoftmaxBackward final : Node {
  SavedTensor y;
  std::int64_t dim = 0;
  std::string_view name() const override { return "LogSoftmaxBackward"; }
  void release_saved() override { y.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor out = y.unpack(*this);
    if (!GradMode::is_enabled() && out.dim() > 0 && dim == out.dim() - 1)
      return {kernels::softmax_rows_backward(g[0], out, out.size(dim), /*log=*/true)};
    return {g[0] - exp(out) * sum(g[0], {dim}, /*keepdim=*/true)};
  }
};

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = detail::softmax_values(x, dim, true);
  if (auto* node = record<LogSoftmaxBackward>({x}, {y})) {
    node->y = SavedTensor(y, true);
    node->dim = x.dim() == 0 ? 0 : wrap_dim("log_softmax", dim, x.dim());
  }
  return y;
}

Tensor Tensor::softmax(std::int64_t dim) const { return tg::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return tg::log_softmax(*this, dim); }

}  // namespace tg
