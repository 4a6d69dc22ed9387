#include <cmath>
#include <limits>
#include <numbers>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/softmax_rows.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/binary_math.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/loss.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
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

// Reductions of a per-element loss that stays on the graph (composed losses).
Tensor reduce_on_graph(const Tensor& per_element, Reduction reduction) {
  if (reduction == kSum) return sum(per_element);
  if (reduction == kMean) return mean(per_element);
  return per_element;
}

// The class dim of scores: 0 for one sample [C], else 1 ([N, C, d1, ...]).
std::int64_t class_dim(const Tensor& scores) { return scores.dim() == 1 ? 0 : 1; }

void check_same_shape(std::string_view op, const Tensor& input, const Tensor& target) {
  check(input.sizes() == target.sizes(), op, "input shape ", input.sizes(), " and target shape ",
        target.sizes(), " differ; reshape one of them (broadcasting them is almost always a bug)");
  check(input.dtype() == target.dtype(), op, "input is ", input.dtype(), " but target is ", target.dtype());
}

// Class-index targets for scores [C], [N, C] or [N, C, d1, ...]: int64 of the scores' shape without
// the class dim, each in [0, C) or equal to ignore_index.
void check_class_targets(std::string_view op, const Tensor& scores, const Tensor& target,
                         std::int64_t ignore_index = -100) {
  detail::check_floating(op, "input", scores);
  detail::check_defined(op, "target", target);
  check(scores.dim() >= 1, op, "input must be [C], [N, C] or [N, C, d1, ...], got shape ", scores.sizes());
  check(target.dtype() == kInt64, op, "target must hold int64 class indices, got ", target.dtype());
  Shape expected;
  for (std::int64_t d = 0; d < scores.dim(); ++d)
    if (d != class_dim(scores)) expected.push_back(scores.size(d));
  check(target.sizes() == expected, op, "target shape ", target.sizes(), " does not match input shape ",
        scores.sizes(), "; expected ", expected);
  const std::int64_t classes = scores.size(class_dim(scores));
  const auto values = target.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check((values[i] >= 0 && values[i] < classes) || values[i] == ignore_index, op, "target ", values[i],
          " at position ", i, " is outside [0, ", classes, ")");
}

void check_class_weight(std::string_view op, const Tensor& scores, const Tensor& weight) {
  if (!weight.defined()) return;
  const std::int64_t classes = scores.size(class_dim(scores));
  check(weight.dim() == 1 && weight.size(0) == classes, op, "weight tensor should be defined either for all ",
        classes, " classes or no classes but got weight tensor of shape: ", weight.sizes());
  check(weight.dtype() == scores.dtype(), op, "weight is ", weight.dtype(), " but input is ", scores.dtype());
}

// An optional weight (undefined: none) must broadcast to the input's shape without growing it.
void check_broadcasts_to(std::string_view op, std::string_view name, const Tensor& weight,
                         const Tensor& input) {
  if (!weight.defined()) return;
  detail::check_floating(op, name, weight);
  bool fits = weight.dim() <= input.dim();
  for (std::int64_t d = 1; fits && d <= weight.dim(); ++d)
    fits = weight.size(-d) == 1 || weight.size(-d) == input.size(-d);
  check(fits, op, name, " shape ", weight.sizes(), " does not broadcast to the input shape ", input.sizes());
}

bool any_target_is(const Tensor& target, std::int64_t ignore_index) {
  for (std::int64_t value : target.to_vector<std::int64_t>())
    if (value == ignore_index) return true;
  return false;
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

namespace {
// [N, C] or [C] logits with every target a class: the fused kernel.
Tensor cross_entropy_rows(const Tensor& logits, const Tensor& target, Reduction reduction) {
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
}  // namespace

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

namespace {
// [N, C] or [C] log-probabilities, no weight, every target a class.
Tensor nll_loss_rows(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
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

// The general nll_loss, composed of differentiable ops: -weight[t] * log_probs[n, t, d...] per target,
// zero where t is ignore_index; the mean divides by the summed weights of the other targets.
struct WeightedPicks {
  Tensor loss;     // per target, the target's shape
  Tensor weights;  // the weight of each target, 0 where ignored
};

WeightedPicks weighted_picks(const Tensor& scores, const Tensor& target, const Tensor& weight,
                             std::int64_t ignore_index) {
  const bool one_sample = scores.dim() == 1;
  Tensor batch = one_sample ? unsqueeze(scores, 0) : scores;
  Tensor targets = one_sample ? unsqueeze(target.detach(), 0) : target.detach();
  Tensor ignored = eq(targets, ignore_index);
  Tensor classes = masked_fill(targets, ignored, 0);
  Tensor weights = weight.defined()
                       ? index_select(weight.detach(), 0, classes.reshape({-1})).reshape(classes.sizes())
                       : ones(classes.sizes(), scores.dtype());
  weights = masked_fill(weights, ignored, 0.0);
  Tensor picked = squeeze(gather(batch, 1, unsqueeze(classes, 1)), 1);
  Tensor loss = -(picked * weights);
  if (one_sample) return {squeeze(loss, 0), squeeze(weights, 0)};
  return {loss, weights};
}

// The weighted mean of per-target values; with every target ignored (total weight 0) it is nan, as in
// PyTorch, while the gradient stays zero (a plain 0 / 0 would make it nan too).
Tensor weighted_mean(const Tensor& values, const Tensor& weights) {
  const Tensor total = sum(weights.detach());
  if (total.item<double>() == 0.0) return sum(values) * 0.0 + std::numeric_limits<double>::quiet_NaN();
  return sum(values) / total;
}

Tensor reduce_weighted(const WeightedPicks& picks, Reduction reduction) {
  if (reduction == kMean) return weighted_mean(picks.loss, picks.weights);
  return reduce_on_graph(picks.loss, reduction);
}
}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight, Reduction reduction,
                std::int64_t ignore_index) {
  check_class_targets("nll_loss", log_probs, target, ignore_index);
  check_class_weight("nll_loss", log_probs, weight);
  if (!weight.defined() && log_probs.dim() <= 2 && !any_target_is(target, ignore_index))
    return nll_loss_rows(log_probs, target, reduction);
  return reduce_weighted(weighted_picks(log_probs, target, weight, ignore_index), reduction);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction) {
  return nll_loss(log_probs, target, Tensor(), reduction);
}

// ---- cross_entropy: class indices (log_softmax + nll_loss, plus label smoothing) or probabilities.
namespace {
Tensor cross_entropy_probabilities(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                   Reduction reduction, std::int64_t ignore_index, double label_smoothing) {
  constexpr std::string_view op = "cross_entropy";
  check(target.sizes() == logits.sizes(), op, "probability target shape ", target.sizes(),
        " does not match input shape ", logits.sizes());
  check(ignore_index < 0, op, "ignore_index is not supported for floating point target");
  check_class_weight(op, logits, weight);
  const std::int64_t dim = class_dim(logits);
  const std::int64_t classes = logits.size(dim);
  Tensor probabilities = target.dtype() == logits.dtype() ? target : to(target, logits.dtype());
  if (label_smoothing > 0)
    probabilities = probabilities * (1.0 - label_smoothing) + label_smoothing / static_cast<double>(classes);
  Tensor terms = log_softmax(logits, dim) * probabilities;
  if (weight.defined()) {
    Shape weight_shape(static_cast<std::size_t>(logits.dim()), 1);
    weight_shape[static_cast<std::size_t>(dim)] = classes;
    terms = terms * weight.reshape(weight_shape);
  }
  Tensor per_sample = -sum(terms, {dim});
  if (reduction == kMean) {
    // PyTorch divides by the number of samples (numel / C); an empty batch gives nan.
    const double samples = static_cast<double>(logits.numel() / std::max<std::int64_t>(classes, 1));
    return sum(per_sample) / (logits.numel() == 0 ? 0.0 : samples);
  }
  return reduce_on_graph(per_sample, reduction);
}
}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight, Reduction reduction,
                     std::int64_t ignore_index, double label_smoothing) {
  constexpr std::string_view op = "cross_entropy";
  detail::check_floating(op, "input", logits);
  detail::check_defined(op, "target", target);
  check(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
        "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  if (target.is_floating_point()) {
    check(logits.dim() >= 1, op, "input must be [C], [N, C] or [N, C, d1, ...], got shape ", logits.sizes());
    return cross_entropy_probabilities(logits, target, weight, reduction, ignore_index, label_smoothing);
  }
  check_class_targets(op, logits, target, ignore_index);
  check_class_weight(op, logits, weight);
  if (!weight.defined() && label_smoothing == 0.0 && logits.dim() <= 2 &&
      !any_target_is(target, ignore_index))
    return cross_entropy_rows(logits, target, reduction);
  const std::int64_t dim = class_dim(logits);
  Tensor log_probs = log_softmax(logits, dim);
  WeightedPicks picks = weighted_picks(log_probs, target, weight, ignore_index);
  Tensor nll = reduce_weighted(picks, reduction);
  if (label_smoothing == 0.0) return nll;
  // Smoothing spreads label_smoothing of each target's mass evenly over the classes: the loss adds
  // -sum_c weight[c] log_probs[c] / C per non-ignored target, normalized as the nll term is.
  Tensor class_terms = log_probs;
  if (weight.defined()) {
    Shape weight_shape(static_cast<std::size_t>(logits.dim()), 1);
    weight_shape[static_cast<std::size_t>(dim)] = logits.size(dim);
    class_terms = class_terms * weight.detach().reshape(weight_shape);
  }
  Tensor smooth = masked_fill(-sum(class_terms, {dim}), eq(target, ignore_index), 0.0);
  Tensor smooth_reduced =
      reduction == kMean ? weighted_mean(smooth, picks.weights) : reduce_on_graph(smooth, reduction);
  return nll * (1.0 - label_smoothing) +
         smooth_reduced * (label_smoothing / static_cast<double>(logits.size(dim)));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction) {
  return cross_entropy(logits, target, Tensor(), reduction);
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

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  constexpr std::string_view op = "binary_cross_entropy_with_logits";
  if (!weight.defined() && !pos_weight.defined())
    return binary_cross_entropy_with_logits(logits, target, reduction);
  detail::check_floating(op, "input", logits);
  detail::check_floating(op, "target", target);
  check_same_shape(op, logits, target);
  check_broadcasts_to(op, "weight", weight, logits);
  check_broadcasts_to(op, "pos_weight", pos_weight, logits);
  // weight and pos_weight are constants, as in PyTorch (which refuses to differentiate them).
  const Tensor positive_weight = pos_weight.defined() ? pos_weight.detach() : Tensor();
  // l = (1 - y) x - (1 + (pos_weight - 1) y) log_sigmoid(x): the positive term scaled by pos_weight.
  Tensor positive_scale = positive_weight.defined() ? (positive_weight - 1.0) * target + 1.0 : Tensor();
  Tensor loss = positive_scale.defined() ? (1.0 - target) * logits - positive_scale * log_sigmoid(logits)
                                         : (1.0 - target) * logits - log_sigmoid(logits);
  if (weight.defined()) loss = loss * weight.detach();
  return reduce_on_graph(loss, reduction);
}

// ---- l1_loss, smooth_l1_loss, huber_loss: composed, so broadcasting and double backward come free.
namespace {
// Floating input and target of one dtype whose shapes broadcast.
void check_broadcast_pair(std::string_view op, const Tensor& input, const Tensor& target) {
  detail::check_floating(op, "input", input);
  detail::check_floating(op, "target", target);
  check(input.dtype() == target.dtype(), op, "input is ", input.dtype(), " but target is ", target.dtype());
  broadcast_shapes(op, input.sizes(), target.sizes());
}

Tensor elementwise_difference(std::string_view op, const Tensor& input, const Tensor& target) {
  check_broadcast_pair(op, input, target);
  return input - target;
}
}  // namespace

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce_on_graph(abs(elementwise_difference("l1_loss", input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check(beta >= 0, "smooth_l1_loss", "smooth_l1_loss does not support negative values for beta, got ", beta);
  Tensor distance = abs(elementwise_difference("smooth_l1_loss", input, target));
  if (beta == 0.0) return reduce_on_graph(distance, reduction);
  Tensor loss = where(lt(distance, beta), square(distance) * (0.5 / beta), distance - 0.5 * beta);
  return reduce_on_graph(loss, reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check(delta > 0, "huber_loss", "huber_loss does not support non-positive values for delta, got ", delta);
  Tensor distance = abs(elementwise_difference("huber_loss", input, target));
  Tensor loss = where(lt(distance, delta), square(distance) * 0.5, (distance - 0.5 * delta) * delta);
  return reduce_on_graph(loss, reduction);
}

// ---- binary_cross_entropy: l = -w (y log(x) + (1 - y) log(1 - x)), each log clamped to >= -100.
// Backward uses PyTorch's formulas, finite at x = 0 and 1 where the logs' derivatives are not:
// dl/dx = w (x - y) / max(x (1 - x), 1e-12), dl/dy = w (log(1 - x) - log(x)) (unclamped: +-inf at
// x = 0 or 1, as PyTorch's).
namespace {
Tensor clamped_log(const Tensor& x) { return clamp_min(log(x), -100.0); }
}  // namespace

struct BinaryCrossEntropyBackward final : Node {
  static constexpr double kEpsilon = 1e-12f;  // PyTorch's bound is a float: its gradients agree to the bit
  SavedTensor input, target;
  Tensor weight;  // not differentiated, as in PyTorch
  Reduction reduction = kMean;
  std::string_view name() const override { return "BinaryCrossEntropyBackward"; }
  Tensor weighted(const Tensor& grad) const { return weight.defined() ? grad * weight : grad; }
  void release_saved() override {
    input.reset();
    target.reset();
    weight = Tensor();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor x = input.unpack(*this);
    Tensor y = target.unpack(*this);
    Tensor grad = spread(g[0], x.sizes(), reduction);
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = weighted(grad * (x - y) / clamp_min(x * (1.0 - x), kEpsilon));
    if (needs_input_grad(1)) out[1] = weighted(grad * (log(1.0 - x) - log(x)));
    return out;
  }
};

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  constexpr std::string_view op = "binary_cross_entropy";
  detail::check_floating(op, "input", input);
  detail::check_floating(op, "target", target);
  check(target.sizes() == input.sizes(), op, "Using a target size (", target.sizes(),
        ") that is different to the input size (", input.sizes(), ") is deprecated. ",
        "Please ensure they have the same size.");
  check(input.dtype() == target.dtype(), op, "input is ", input.dtype(), " but target is ", target.dtype());
  Tensor expanded_weight;
  if (weight.defined()) {
    check_broadcasts_to(op, "weight", weight, input);
    expanded_weight = expand(weight.detach(), input.sizes());
  }
  Tensor per_element;
  {
    NoGradGuard no_grad;
    Tensor x = input.detach();
    const auto values = x.to_vector<double>();
    for (double v : values) check(v >= 0 && v <= 1, op, "all elements of input should be between 0 and 1");
    Tensor y = target.detach();
    per_element = -(y * clamped_log(x) + (1.0 - y) * clamped_log(1.0 - x));
    if (expanded_weight.defined()) per_element = per_element * expanded_weight;
  }
  Tensor out = reduce(per_element, reduction);
  if (auto* node = record<BinaryCrossEntropyBackward>({input, target}, {out})) {
    node->input = SavedTensor(input, false);
    node->target = SavedTensor(target, false);
    node->weight = expanded_weight;
    node->reduction = reduction;
  }
  return out;
}

// ---- kl_div: composed; xlogy(t, t) is written with where so a zero target gives 0, not nan.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  Tensor difference = -elementwise_difference("kl_div", input, target);
  Tensor loss;
  if (log_target) {
    loss = exp(target) * difference;
  } else {
    Tensor positive = gt(target.detach(), 0.0);
    Tensor target_log_target = where(positive, target * log(where(positive, target, 1.0)), 0.0);
    loss = target_log_target - target * input;
  }
  return reduce_on_graph(loss, reduction);
}

// ---- poisson_nll_loss
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        Reduction reduction) {
  check_broadcast_pair("poisson_nll_loss", input, target);
  Tensor loss = log_input ? exp(input) - target * input : input - target * log(input + eps);
  if (full) {
    // Stirling's approximation of log(target!), only where target > 1 (the log of smaller ones is ~0).
    Tensor above_one = gt(target.detach(), 1.0);
    Tensor safe_target = where(above_one, target, 2.0);
    Tensor stirling =
        safe_target * log(safe_target) - safe_target + 0.5 * log(safe_target * (2.0 * std::numbers::pi));
    loss = loss + where(above_one, stirling, 0.0);
  }
  return reduce_on_graph(loss, reduction);
}

// ---- gaussian_nll_loss
namespace {
Shape without_last(IntArrayRef sizes) {
  return sizes.size() == 0 ? Shape{} : Shape(sizes.begin(), sizes.end() - 1);
}
}  // namespace

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full, double eps,
                         Reduction reduction) {
  constexpr std::string_view op = "gaussian_nll_loss";
  check_broadcast_pair(op, input, target);
  detail::check_floating(op, "var", var);
  Tensor variance = var;
  if (var.sizes() != input.sizes()) {
    // Homoscedastic: one variance per sample, var the input's shape without its last dim (or it 1).
    const Shape input_leading = without_last(input.sizes());
    if (input.dim() >= 1 && var.sizes() == input_leading) {
      variance = unsqueeze(var, -1);
    } else {
      const bool last_is_one = input.dim() >= 1 && var.dim() >= 1 && var.size(-1) == 1 &&
                               without_last(var.sizes()) == input_leading;
      check(last_is_one, op, "var is of incorrect size: var shape ", var.sizes(), " for input shape ",
            input.sizes(), " (expected the input's shape, it without the last dim, or with the last dim 1)");
    }
  }
  check(!any(lt(var.detach(), 0.0)).item<bool>(), op, "var has negative entry/entries");
  // PyTorch clamps a copy of var in place under no_grad: the values are clamped, the gradient is not.
  Tensor clamped = variance + (clamp_min(variance.detach(), eps) - variance.detach());
  Tensor loss = (log(clamped) + square(input - target) / clamped) * 0.5;
  if (full) loss = loss + 0.5 * std::log(2.0 * std::numbers::pi);
  return reduce_on_graph(loss, reduction);
}

}  // namespace tg
