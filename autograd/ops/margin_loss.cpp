// Margin and embedding losses, composed from differentiable ops as PyTorch composes most of them,
// so double backward comes for free. Where PyTorch's fused kernels count a margin term only when it
// is strictly positive (multi_margin, multilabel_margin), relu gives the same gradient at the kink;
// where PyTorch composes with clamp_min (hinge, ranking, triplet, cosine embedding), so do we.
#include <cmath>
#include <cstdint>
#include <vector>

#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/binary_math.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/distance.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/margin_loss.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {

namespace {

Tensor reduce(const Tensor& per_element, Reduction reduction) {
  if (reduction == kSum) return sum(per_element);
  if (reduction == kMean) return mean(per_element);
  return per_element;
}

// Names the op and both shapes when they do not broadcast.
Shape broadcast(std::string_view op, const Tensor& a, const Tensor& b) {
  return broadcast_shapes(op, a.sizes(), b.sizes());
}

// An int64 class-index target, one per row of a [N, C] / [C] / 0-d input, each in [0, classes).
std::vector<std::int64_t> class_targets(std::string_view op, const Tensor& target, std::int64_t rows,
                                        std::int64_t classes) {
  detail::check_defined(op, "target", target);
  check(target.dtype() == kInt64, op, "target must hold int64 class indices, got ", target.dtype());
  check(target.dim() <= 1 && target.numel() == rows, op, "inconsistent target size, expected ", rows,
        " class indices but got shape ", target.sizes());
  std::vector<std::int64_t> values = target.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] < classes, op, "target out of range: ", values[i], " at position ", i,
          " is outside [0, ", classes, ")");
  return values;
}

// Inputs of the per-row margin losses: a 0-d input is one row of one class, a vector one row, and
// (as in PyTorch) a row must not be empty.
Tensor as_rows(std::string_view op, const Tensor& self) {
  detail::check_floating(op, "input", self);
  const bool valid = self.dim() == 0 || (self.dim() <= 2 && self.size(-1) != 0);
  check(valid, op,
        "expected non-empty vector or matrix with optional 0-dim batch size, but got: ", self.sizes());
  if (self.dim() == 2) return self;
  return self.reshape({1, self.dim() == 0 ? 1 : self.size(0)});
}

// weights[i, j, k] of multilabel_margin_loss: how often row i of target lists class j (before its
// first -1), where the row does not list class k; 0 elsewhere.
Tensor listed_pair_weights(std::string_view op, const Tensor& target, std::int64_t rows,
                           std::int64_t classes) {
  const std::vector<std::int64_t> labels = target.to_vector<std::int64_t>();
  const auto at = [classes](std::int64_t row, std::int64_t column) {
    return static_cast<std::size_t>(row * classes + column);
  };
  std::vector<double> listed_count(labels.size(), 0.0);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t position = 0; position < classes; ++position) {
      const std::int64_t label = labels[at(i, position)];
      check(label >= -1 && label < classes, op, "target out of range: ", label, " in row ", i,
            " is outside [-1, ", classes, ")");
      if (label == -1) break;
      listed_count[at(i, label)] += 1.0;
    }
  std::vector<double> weights(static_cast<std::size_t>(rows * classes * classes), 0.0);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < classes; ++j)
      for (std::int64_t k = 0; k < classes; ++k)
        if (listed_count[at(i, k)] == 0.0) weights[at(i * classes + j, k)] = listed_count[at(i, j)];
  return tensor(weights, {rows, classes, classes});
}

}  // namespace

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction) {
  constexpr std::string_view op = "margin_ranking_loss";
  detail::check_floating(op, "input1", input1);
  detail::check_floating(op, "input2", input2);
  detail::check_floating(op, "target", target);
  check(input1.dim() == input2.dim() && input1.dim() == target.dim(), op,
        "all input tensors should have the same dimension but got sizes: input1: ", input1.sizes(),
        ", input2: ", input2.sizes(), ", target: ", target.sizes());
  broadcast_shapes(op, broadcast(op, input1, input2), target.sizes());
  return reduce(clamp_min(-target * (input1 - input2) + margin, 0.0), reduction);
}

Tensor hinge_embedding_loss(const Tensor& self, const Tensor& target, double margin, Reduction reduction) {
  constexpr std::string_view op = "hinge_embedding_loss";
  detail::check_floating(op, "input", self);
  detail::check_defined(op, "target", target);
  broadcast(op, self, target);
  const Tensor below_margin = where(ne(target, 1), clamp_min(margin - self, 0.0), 0.0);
  const Tensor similar = where(ne(target, -1), self, 0.0);
  return reduce(below_margin + similar, reduction);
}

Tensor soft_margin_loss(const Tensor& self, const Tensor& target, Reduction reduction) {
  constexpr std::string_view op = "soft_margin_loss";
  detail::check_floating(op, "input", self);
  detail::check_floating(op, "target", target);
  broadcast(op, self, target);
  return reduce(log1p(exp(-self * target)), reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction) {
  constexpr std::string_view op = "cosine_embedding_loss";
  detail::check_floating(op, "input1", input1);
  detail::check_floating(op, "input2", input2);
  detail::check_defined(op, "target", target);
  const std::int64_t target_dim = target.dim();
  check(target_dim <= 1, op, "0D or 1D target tensor expected, multi-target not supported; got target shape ",
        target.sizes());
  check(input1.dim() == target_dim + 1 && input2.dim() == target_dim + 1, op, target_dim,
        "D target tensor expects ", target_dim + 1, "D input tensors, but found inputs with sizes ",
        input1.sizes(), " and ", input2.sizes());
  broadcast(op, input1, input2);
  // A tiny constant keeps zero vectors finite, unlike cosine_similarity's clamp. PyTorch's is the
  // float 1e-12f; widened to double it moves zero-vector gradients by 2e-9 relative to 1e-12.
  constexpr double kEpsilon = static_cast<double>(1e-12F);
  const Tensor dot = sum(input1 * input2, {target_dim});
  const Tensor squared1 = sum(input1 * input1, {target_dim}) + kEpsilon;
  const Tensor squared2 = sum(input2 * input2, {target_dim}) + kEpsilon;
  const Tensor cosine = dot / sqrt(squared1 * squared2);
  broadcast(op, cosine, target);
  const Tensor similar = where(eq(target, 1), 1.0 - cosine, 0.0);
  const Tensor dissimilar = where(eq(target, -1), clamp_min(cosine - margin, 0.0), 0.0);
  return reduce(similar + dissimilar, reduction);
}

Tensor multi_margin_loss(const Tensor& self, const Tensor& target, const Scalar& p, const Scalar& margin,
                         const std::optional<Tensor>& weight, Reduction reduction) {
  constexpr std::string_view op = "multi_margin_loss";
  const double power = p.toDouble();
  check(power == 1 || power == 2, op, "only p == 1 and p == 2 supported, got p = ", power);
  const Tensor rows = as_rows(op, self);
  const std::int64_t row_count = rows.size(0), classes = rows.size(1);
  const auto targets = class_targets(op, target, row_count, classes);
  const Tensor target_column = target.detach().reshape({row_count, 1});
  const bool weighted = weight && weight->defined();
  if (weighted) {
    detail::check_floating(op, "weight", *weight);
    check(weight->dim() == 1 && weight->numel() == classes, op,
          "weight must be one-dimensional with one entry per ", "class (", classes, "), got shape ",
          weight->sizes());
  }
  // z[i, j] = margin - x[i, y_i] + x[i, j], counted only for j != y_i and z > 0.
  const Tensor z = margin.toDouble() - gather(rows, 1, target_column) + rows;
  const Tensor other_classes =
      1.0 - gather_backward(ones({row_count, 1}, rows.dtype()), 1, target_column, {row_count, classes});
  Tensor terms = detail::keep_where(power == 1 ? relu(z) : relu(z) * relu(z), other_classes);
  if (weighted)
    terms = terms * index_select(*weight, 0, target.detach().reshape({-1})).reshape({row_count, 1});
  Tensor per_row = sum(terms, {1}) / static_cast<double>(classes);
  per_row = per_row.reshape(target.sizes());  // [N], [1] or [] as PyTorch's reduction "none"
  return reduce(per_row, reduction);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap, Reduction reduction) {
  constexpr std::string_view op = "triplet_margin_loss";
  detail::check_floating(op, "anchor", anchor);
  detail::check_floating(op, "positive", positive);
  detail::check_floating(op, "negative", negative);
  check(anchor.dim() == positive.dim() && positive.dim() == negative.dim(), op,
        "all inputs should have same dimension but got ", anchor.dim(), "D, ", positive.dim(), "D and ",
        negative.dim(), "D inputs (anchor ", anchor.sizes(), ", positive ", positive.sizes(), ", negative ",
        negative.sizes(), ")");
  broadcast(op, anchor, positive);
  broadcast(op, anchor, negative);
  const Tensor positive_distance = pairwise_distance(anchor, positive, p, eps);
  Tensor negative_distance = pairwise_distance(anchor, negative, p, eps);
  if (swap) negative_distance = minimum(negative_distance, pairwise_distance(positive, negative, p, eps));
  return reduce(clamp_min(margin + positive_distance - negative_distance, 0.0), reduction);
}

Tensor multilabel_margin_loss(const Tensor& self, const Tensor& target, Reduction reduction) {
  constexpr std::string_view op = "multilabel_margin_loss";
  const Tensor rows = as_rows(op, self);
  detail::check_defined(op, "target", target);
  check(target.dtype() == kInt64, op, "target must hold int64 class indices, got ", target.dtype());
  check(target.sizes() == self.sizes(), op, "target shape ", target.sizes(), " does not match input shape ",
        self.sizes());
  const Tensor weights = listed_pair_weights(op, target, rows.size(0), rows.size(1)).to(rows.dtype());
  // z[i, j, k] = 1 - x[i, j] + x[i, k]
  const Tensor z = 1.0 - unsqueeze(rows, 2) + unsqueeze(rows, 1);
  Tensor per_row = sum(relu(z) * weights, {1, 2}) / static_cast<double>(rows.size(1));
  if (self.dim() < 2) per_row = per_row.reshape({});
  return reduce(per_row, reduction);
}

}  // namespace tg
