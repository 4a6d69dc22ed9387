#pragma once
// Options of the margin and embedding losses, with libtorch's names and defaults:
//   MultiMarginLossOptions().p(2).margin(0.5).weight(w).reduction(tg::kSum)
// The module options double as the functional ones (MultiMarginLossFuncOptions), as in libtorch.
#include <cstdint>
#include <functional>
#include <optional>

#include <tapegrad/nn/functional/loss.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct MarginRankingLossOptions : functional::ReductionOptions<MarginRankingLossOptions> {
  TG_ARG(double, margin) = 0.0;
};
struct HingeEmbeddingLossOptions : functional::ReductionOptions<HingeEmbeddingLossOptions> {
  TG_ARG(double, margin) = 1.0;
};
struct SoftMarginLossOptions : functional::ReductionOptions<SoftMarginLossOptions> {};
struct CosineEmbeddingLossOptions : functional::ReductionOptions<CosineEmbeddingLossOptions> {
  TG_ARG(double, margin) = 0.0;
};
struct MultiMarginLossOptions : functional::ReductionOptions<MultiMarginLossOptions> {
  TG_ARG(std::int64_t, p) = 1;
  TG_ARG(double, margin) = 1.0;
  /// One rescaling per class; undefined means all ones.
  TG_ARG(Tensor, weight) = Tensor();
};
struct TripletMarginLossOptions : functional::ReductionOptions<TripletMarginLossOptions> {
  TG_ARG(double, margin) = 1.0;
  TG_ARG(double, p) = 2.0;
  TG_ARG(double, eps) = 1e-6;
  TG_ARG(bool, swap) = false;
};
struct MultiLabelMarginLossOptions : functional::ReductionOptions<MultiLabelMarginLossOptions> {};
struct MultiLabelSoftMarginLossOptions : functional::ReductionOptions<MultiLabelSoftMarginLossOptions> {
  TG_ARG(Tensor, weight) = Tensor();
};
struct TripletMarginWithDistanceLossOptions
    : functional::ReductionOptions<TripletMarginWithDistanceLossOptions> {
  using distance_function_t = std::function<Tensor(const Tensor&, const Tensor&)>;
  /// Unset: pairwise_distance with its defaults.
  TG_ARG(std::optional<distance_function_t>, distance_function) = std::nullopt;
  TG_ARG(double, margin) = 1.0;
  TG_ARG(bool, swap) = false;
};

namespace functional {
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;
using MultilabelMarginLossFuncOptions = MultiLabelMarginLossOptions;
using MultilabelSoftMarginLossFuncOptions = MultiLabelSoftMarginLossOptions;
using TripletMarginWithDistanceLossFuncOptions = TripletMarginWithDistanceLossOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
