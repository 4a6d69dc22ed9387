#pragma once
// Functional margin and embedding losses with libtorch's options:
//   F::triplet_margin_loss(anchor, positive, negative, F::TripletMarginLossFuncOptions().margin(0.5))
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/binary_math.hpp>
#include <tapegrad/autograd/ops/margin_loss.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/nn/functional/distance.hpp>
#include <tapegrad/nn/options/margin_loss.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
inline Tensor reduce_margin_loss(const Tensor& loss, Reduction reduction) {
  if (reduction == kMean) return mean(loss);
  if (reduction == kSum) return sum(loss);
  return loss;
}
}  // namespace detail
#pragma GCC visibility pop

inline Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                                  const MarginRankingLossFuncOptions& options = {}) {
  return tg::margin_ranking_loss(input1, input2, target, options.margin(), options.reduction());
}
inline Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target,
                                   const HingeEmbeddingLossFuncOptions& options = {}) {
  return tg::hinge_embedding_loss(input, target, options.margin(), options.reduction());
}
inline Tensor soft_margin_loss(const Tensor& input, const Tensor& target,
                               const SoftMarginLossFuncOptions& options = {}) {
  return tg::soft_margin_loss(input, target, options.reduction());
}
inline Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                                    const CosineEmbeddingLossFuncOptions& options = {}) {
  return tg::cosine_embedding_loss(input1, input2, target, options.margin(), options.reduction());
}
inline Tensor multi_margin_loss(const Tensor& input, const Tensor& target,
                                const MultiMarginLossFuncOptions& options = {}) {
  return tg::multi_margin_loss(input, target, options.p(), options.margin(), options.weight(),
                               options.reduction());
}
inline Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                  const TripletMarginLossFuncOptions& options = {}) {
  return tg::triplet_margin_loss(anchor, positive, negative, options.margin(), options.p(), options.eps(),
                                 options.swap(), options.reduction());
}
inline Tensor multilabel_margin_loss(const Tensor& input, const Tensor& target,
                                     const MultilabelMarginLossFuncOptions& options = {}) {
  return tg::multilabel_margin_loss(input, target, options.reduction());
}

/// -(target log sigmoid(input) + (1 - target) log sigmoid(-input)), times weight, averaged over the
/// last (class) dim, then reduced.
inline Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                          const MultilabelSoftMarginLossFuncOptions& options = {}) {
  check(input.is_floating_point() && target.is_floating_point(), "multilabel_soft_margin_loss",
        "expected floating input and target, got ", input.dtype(), " and ", target.dtype());
  check(input.dim() >= 1, "multilabel_soft_margin_loss", "input must have a class dim, got shape ",
        input.sizes());
  Tensor loss = -(target * log_sigmoid(input) + (1.0 - target) * log_sigmoid(-input));
  if (options.weight().defined()) loss = loss * options.weight();
  const std::int64_t class_dim = input.dim() - 1;
  loss = sum(loss, {class_dim}) / static_cast<double>(input.size(class_dim));
  return detail::reduce_margin_loss(loss, options.reduction());
}

/// triplet_margin_loss with any distance (default pairwise_distance).
inline Tensor triplet_margin_with_distance_loss(
    const Tensor& anchor, const Tensor& positive, const Tensor& negative,
    const TripletMarginWithDistanceLossFuncOptions& options = {}) {
  const auto distance = options.distance_function().value_or(
      [](const Tensor& a, const Tensor& b) { return tg::pairwise_distance(a, b); });
  check(anchor.dim() == positive.dim() && positive.dim() == negative.dim(),
        "triplet_margin_with_distance_loss", "all inputs should have same dimension but got ", anchor.dim(),
        "D, ", positive.dim(), "D and ", negative.dim(), "D inputs");
  const Tensor positive_distance = distance(anchor, positive);
  Tensor negative_distance = distance(anchor, negative);
  if (options.swap()) negative_distance = minimum(negative_distance, distance(positive, negative));
  return detail::reduce_margin_loss(clamp_min(positive_distance - negative_distance + options.margin(), 0.0),
                                    options.reduction());
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
