#pragma once
// Loss functions with PyTorch's reductions. Signatures and defaults follow ATen's (at::l1_loss,
// at::nll_loss, at::cross_entropy_loss, ...); an undefined weight Tensor means "no weight".
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

enum class Reduction { None, Mean, Sum };
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;

/// (input - target)^2, reduced. input and target must have the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
/// |input - target|, reduced; input and target broadcast.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
/// 0.5 d^2 / beta where d = |input - target| < beta, else d - 0.5 beta (beta = 0: l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
                      double beta = 1.0);
/// 0.5 d^2 where d = |input - target| < delta, else delta (d - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean, double delta = 1.0);

/// Fused log_softmax + nll_loss for logits [N, C] (or [C]) and int64 class indices [N] (or []).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = kMean);
/// at::cross_entropy_loss: logits [N, C, d1, ...] (or [C]) with int64 class indices [N, d1, ...]
/// (or []), or class probabilities of the logits' shape. weight: [C] or undefined.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     Reduction reduction = kMean, std::int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
/// -log_probs[i, target[i]], reduced; log_probs [N, C] (or [C]), int64 target [N] (or []).
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = kMean);
/// at::nll_loss_nd: log_probs [N, C, d1, ...] (or [C]), int64 target [N, d1, ...] (or []); the weighted
/// mean divides by the summed weights of the targets not equal to ignore_index.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight,
                Reduction reduction = kMean, std::int64_t ignore_index = -100);

/// -weight (t log(x) + (1 - t) log(1 - x)) for probabilities x, each log clamped to >= -100.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = kMean);
/// Numerically stable sigmoid + binary cross-entropy; target has the logits' shape, values in [0, 1].
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = kMean);
/// With weight (broadcast to the logits) and pos_weight (broadcast along the last dim), as ATen.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight = {}, Reduction reduction = kMean);

/// target (log(target) - input) (0 where target is 0), or exp(target) (target - input) with log_target.
/// Batch-mean is the functional form's (nn::functional::kl_div with kBatchMean), as in libtorch.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
              bool log_target = false);
/// exp(input) - target input (log_input) or input - target log(input + eps), plus Stirling's
/// approximation of log(target!) where target > 1 with full.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        Reduction reduction);
/// 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) with full). var has
/// the input's shape, or it without the last dim, or with the last dim 1. The clamp passes var's gradient
/// through unchanged, as PyTorch's in-place no-grad clamp does.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var, bool full = false,
                         double eps = 1e-6, Reduction reduction = kMean);

}  // namespace tg

#pragma GCC visibility pop
