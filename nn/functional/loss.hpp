#pragma once
// Functional losses with libtorch-style options:
//   tg::nn::functional::cross_entropy(logits, target, CrossEntropyFuncOptions().reduction(tg::kSum))
// Each forwards every option to the autograd op of the same name (autograd/ops/loss.hpp).
#include <optional>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/loss.hpp>
#include <tapegrad/nn/options/loss.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

inline Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {}) {
  return tg::l1_loss(input, target, options.reduction());
}
inline Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {}) {
  return tg::mse_loss(input, target, options.reduction());
}
/// libtorch 1.13 also takes beta as a trailing argument; when given it wins over options.beta().
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                             const SmoothL1LossFuncOptions& options = {},
                             std::optional<double> beta = std::nullopt) {
  return tg::smooth_l1_loss(input, target, options.reduction(), beta.value_or(options.beta()));
}
inline Tensor huber_loss(const Tensor& input, const Tensor& target,
                         const HuberLossFuncOptions& options = {}) {
  return tg::huber_loss(input, target, options.reduction(), options.delta());
}
inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                   const BinaryCrossEntropyFuncOptions& options = {}) {
  return tg::binary_cross_entropy(input, target, options.weight(), options.reduction());
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                               const BinaryCrossEntropyWithLogitsFuncOptions& options = {}) {
  return tg::binary_cross_entropy_with_logits(input, target, options.weight(), options.pos_weight(),
                                              options.reduction());
}
inline Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {}) {
  return tg::nll_loss(input, target, options.weight(), options.reduction(), options.ignore_index());
}
inline Tensor cross_entropy(const Tensor& input, const Tensor& target,
                            const CrossEntropyFuncOptions& options = {}) {
  return tg::cross_entropy(input, target, options.weight(), options.reduction(), options.ignore_index(),
                           options.label_smoothing());
}
/// kBatchMean sums and divides by the batch size (input.size(0)), the KL divergence's definition.
inline Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {}) {
  Tensor loss = tg::kl_div(input, target, options.reduction().reduction(), options.log_target());
  if (options.reduction().is_batch_mean() && input.dim() != 0)
    return loss / static_cast<double>(input.size(0));
  return loss;
}
inline Tensor poisson_nll_loss(const Tensor& input, const Tensor& target,
                               const PoissonNLLLossFuncOptions& options = {}) {
  return tg::poisson_nll_loss(input, target, options.log_input(), options.full(), options.eps(),
                              options.reduction());
}
inline Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                                const GaussianNLLLossFuncOptions& options = {}) {
  return tg::gaussian_nll_loss(input, target, var, options.full(), options.eps(), options.reduction());
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
