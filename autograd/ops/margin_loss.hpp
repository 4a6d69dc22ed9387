#pragma once
// Margin and embedding losses with PyTorch's reductions (libtorch 1.13's at:: names and defaults).
#include <optional>

#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/ops/loss.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// max(0, -target (input1 - input2) + margin), reduced; the three broadcast and have the same rank.
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin = 0.0, Reduction reduction = kMean);
/// input where target != -1, plus max(0, margin - input) where target != 1 (target is +-1), reduced.
Tensor hinge_embedding_loss(const Tensor& self, const Tensor& target, double margin = 1.0,
                            Reduction reduction = kMean);
/// log(1 + exp(-target input)), reduced.
Tensor soft_margin_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean);
/// 1 - cos(input1, input2) where target == 1, max(0, cos - margin) where target == -1, for rows
/// [N, D] with target [N] or one vector [D] with a 0-d target.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin = 0.0, Reduction reduction = kMean);
/// Per row of [N, C] (or [C]) with int64 class target y: sum over j != y of
/// weight[y] max(0, margin - x[y] + x[j])^p / C, p 1 or 2.
Tensor multi_margin_loss(const Tensor& self, const Tensor& target, const Scalar& p = 1,
                         const Scalar& margin = 1, const std::optional<Tensor>& weight = std::nullopt,
                         Reduction reduction = kMean);
/// max(0, margin + d(anchor, positive) - d(anchor, negative)) with d = pairwise_distance(p, eps);
/// with swap, d(anchor, negative) is replaced by d(positive, negative) where that is smaller.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin = 1.0, double p = 2, double eps = 1e-6, bool swap = false,
                           Reduction reduction = kMean);
/// Per row of [N, C] (or [C]) whose int64 target row lists classes up to the first -1: the sum over
/// listed j and unlisted k of max(0, 1 - (x[j] - x[k])) / C.
Tensor multilabel_margin_loss(const Tensor& self, const Tensor& target, Reduction reduction = kMean);

}  // namespace tg

#pragma GCC visibility pop
