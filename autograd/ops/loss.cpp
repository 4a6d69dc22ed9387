#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/softmax_rows.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/loss.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

Tensor reduce(const Tensor& per_element, Reduction reduction) {
  NoGradGuard no_grad;
  if (reduction == kSum) return sum(per_element);
  if (reduction == kMean) return mean(per_element);
  return per_element;
}

// The gradient of each element's loss: the output gradient spread back over the reduced elements.
Tensor spread(const Tensor& grad, IntArrayRef sizes, Reduction reduction) {
  if (reduction == kNone) return grad;
  Tensor expanded = expand(grad, sizes);
  return reduction == kMean ? expanded * (1.0 / static_cast<double>(shape_numel(sizes))) : expanded;
}

void check_same_shape(std::string_view op, const Tensor& input, const Tensor& target) {
  check(input.sizes() == target.sizes(), op, "input shape ", input.sizes(), " and target shape ",
        target.sizes(), " differ; reshape one of them (broadcasting them is almost always a bug)");
  check(input.dtype() == target.dtype(), op, "input is ", input.dtype(), " but target is ", target.dtype());
}

// Class-index targets: int64, one per row, each in [0, classes).
void check_class_targets(std::string_view op, const Tensor& scores, const Tensor& target) {
  detail::check_floating(op, "input", scores);
  detail::check_defined(op, "target", target);
  check(scores.dim() == 1 || scores.dim() == 2, op, "input must be [N, C] or [C], got shape ",
        scores.sizes());
  check(target.dtype() == kInt64, op, "target must hold int64 class indices, got ", target.dtype());
  const Shape expected = scores.dim() == 2 ? Shape{scores.size(0)} : Shape{};
  check(target.sizes() == expected, op, "target shape ", target.sizes(), " does not match input shape ",
        scores.sizes(), "; expected ", expected);
  const std::int64_t classes = scores.size(-1);
  const auto values = target.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] < classes, op, "target ", values[i], " at position ", i,
          " is outside [0, ", classes, ")");
}

// Row-major [N, C] view of class scores and [N, 1] targets (a 1-D input is one row).
Tensor as_rows(const Tensor& scores) { return scores.dim() == 1 ? unsqueeze(scores, 0) : scores; }
Tensor target_column(const Tensor& target) { return reshape(target.detach(), {-1, 1}); }

}  // namespace

// ---- mse_loss: d/dinput = 2 (input - target) * spread(g), d/dtarget = the negative.
struct MseLossBackward final : Node {
  SavedTensor input, target;
  Reduction reduction = kMean;
  std::string_view name() const override { return "MseLossBackward"; }
  void release_saved() override {
    input.reset();
    target.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor diff = input.unpack(*this) - target.unpack(*this);
    Tensor grad = diff * spread(g[0], diff.sizes(), reduction) * 2.0;
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = grad;
    if (needs_input_grad(1)) out[1] = -grad;
    return out;
  }
};

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  detail::check_floating("mse_loss", "input", input);
  detail::check_floating("mse_loss", "target", target);
  check_same_shape("mse_loss", input, target);
  Tensor out = reduce(
      kernels::zip("mse_loss", input, target, [](auto a, auto b) { return (a - b) * (a - b); }), reduction);
  if (auto* node = record<MseLossBackward>({input, target}, {out})) {
    node->input = SavedTensor(input, false);
    node->target = SavedTensor(target, false);
    node->reduction = reduction;
  }
  return out;
}

// ---- cross_entropy: d/dlogits = (softmax(logits) - onehot(target)) * spread(g), per row.
struct CrossEntropyBackward final : Node {
  SavedTensor logits, target;
  kernels::CrossEntropyRows rows_forward;  // row maxima and exp sums, so backward is a single pass
  Reduction reduction = kMean;
  std::string_view name() const override { return "CrossEntropyBackward"; }
  void release_saved() override {
    logits.reset();
    target.reset();
    rows_forward = {};
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor scores = logits.unpack(*this);
    Tensor rows = as_rows(scores);
    if (!GradMode::is_enabled()) {  // no graph recorded: the fused kernel
      std::vector<double> scales = g[0].to_vector<double>();
      if (reduction == kMean)
        for (double& s : scales) s /= static_cast<double>(rows.size(0));
      const Tensor grad = kernels::cross_entropy_rows_backward(
          rows.contiguous(), rows_forward, target.unpack(*this).to_vector<std::int64_t>(), scales);
      return {grad.reshape(scores.sizes()), Tensor()};
    }
    Tensor one_hot = gather_backward(ones({rows.size(0), 1}, rows.dtype()), 1,
                                     target_column(target.unpack(*this)), rows.sizes());
    Tensor per_row = spread(g[0], {rows.size(0)}, reduction).reshape({-1, 1});
    Tensor grad = (softmax(rows, 1) - one_hot) * per_row;
    return {grad.reshape(scores.sizes()), Tensor()};
  }
};

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction) {
  check_class_targets("cross_entropy", logits, target);
  kernels::CrossEntropyRows rows_forward =
      kernels::cross_entropy_rows(as_rows(logits.detach()).contiguous(), target.to_vector<std::int64_t>());
  Tensor out = reduce(rows_forward.loss.reshape(target.sizes()), reduction);
  if (auto* node = record<CrossEntropyBackward>({logits, target}, {out})) {
    node->logits = SavedTensor(logits, false);
    node->target = SavedTensor(target, false);
    rows_forward.loss = Tensor();
    node->rows_forward = std::move(rows_forward);
    node->reduction = reduction;
  }
  return out;
}

// ---- nll_loss: d/dlog_probs puts -spread(g) at each row's target class (gather_backward).
struct NllLossBackward final : Node {
  SavedTensor target;
  Reduction reduction = kMean;
  std::string_view name() const override { return "NllLossBackward"; }
  void release_saved() override { target.reset(); }
  tensor_list apply(tensor_list&& g) override {
    const Shape& sizes = input_meta()[0].sizes;
    const std::int64_t rows = sizes.size() == 2 ? sizes[0] : 1;
    Tensor per_row = spread(g[0], {rows}, reduction).reshape({-1, 1});
    Tensor grad = gather_backward(-per_row, 1, target_column(target.unpack(*this)), {rows, sizes.back()});
    return {grad.reshape(sizes), Tensor()};
  }
};

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
  check_class_targets("nll_loss", log_probs, target);
  Tensor per_row;
  {
    NoGradGuard no_grad;
    per_row = neg(gather(as_rows(log_probs.detach()), 1, target_column(target))).reshape(target.sizes());
  }
  Tensor out = reduce(per_row, reduction);
  if (auto* node = record<NllLossBackward>({log_probs, target}, {out})) {
    node->target = SavedTensor(target, false);
    node->reduction = reduction;
  }
  return out;
}

// ---- binary_cross_entropy_with_logits: l = max(x, 0) - x y + log(1 + exp(-|x|)),
// dl/dx = sigmoid(x) - y, dl/dy = -x.
struct BinaryCrossEntropyWithLogitsBackward final : Node {
  SavedTensor logits, target;
  Reduction reduction = kMean;
  std::string_view name() const override { return "BinaryCrossEntropyWithLogitsBackward"; }
  void release_saved() override {
    logits.reset();
    target.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor x = logits.unpack(*this);
    Tensor grad = spread(g[0], x.sizes(), reduction);
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = (sigmoid(x) - target.unpack(*this)) * grad;
    if (needs_input_grad(1)) out[1] = -x * grad;
    return out;
  }
};

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  detail::check_floating("binary_cross_entropy_with_logits", "input", logits);
  detail::check_floating("binary_cross_entropy_with_logits", "target", target);
  check_same_shape("binary_cross_entropy_with_logits", logits, target);
  Tensor per_element = kernels::zip("binary_cross_entropy_with_logits", logits, target, [](auto x, auto y) {
    using T = decltype(x);
    return (x > 0 ? x : T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
  });
  Tensor out = reduce(per_element, reduction);
  if (auto* node = record<BinaryCrossEntropyWithLogitsBackward>({logits, target}, {out})) {
    node->logits = SavedTensor(logits, false);
    node->target = SavedTensor(target, false);
    node->reduction = reduction;
  }
  return out;
}

}  // namespace tg
