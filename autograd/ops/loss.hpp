#pragma once
// Loss functions with PyTorch's reductions.
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

enum class Reduction { None, Mean, Sum };
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;

/// (input - target)^2, reduced. input and target must have the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
/// Fused log_softmax + nll_loss for logits [N, C] (or [C]) and int64 class indices [N] (or []).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = kMean);
/// -log_probs[i, target[i]], reduced; log_probs [N, C] (or [C]), int64 target [N] (or []).
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = kMean);
/// Numerically stable sigmoid + binary cross-entropy; target has the logits' shape, values in [0, 1].
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = kMean);

}  // namespace tg

#pragma GCC visibility pop
