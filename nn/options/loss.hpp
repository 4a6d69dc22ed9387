#pragma once
// Options of the loss modules and their functional forms, with libtorch's names and defaults:
//   CrossEntropyLossOptions().ignore_index(1).label_smoothing(0.1), L1LossOptions(tg::kSum),
//   KLDivLossOptions().reduction(tg::kBatchMean).log_target(true).
// Each functional form's options are the module's (F::CrossEntropyFuncOptions = CrossEntropyLossOptions).
#include <cstdint>

#include <tapegrad/autograd/ops/loss.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {
/// kl_div's extra reduction (libtorch's torch::kBatchMean): the summed loss over the batch size.
struct BatchMeanReduction {};
inline constexpr BatchMeanReduction kBatchMean{};
}  // namespace tg

namespace tg::nn {

namespace functional {
/// The reduction option shared by the loss options: `.reduction(tg::kSum)` chains and returns the
/// options; an options struct that inherits the constructor also converts from a Reduction
/// (`L1LossOptions(tg::kNone)`, as libtorch's).
template <class Derived>
struct ReductionOptions {
  /* implicit */ ReductionOptions(Reduction value = kMean) : reduction_(value) {}
  Derived& reduction(Reduction value) {
    reduction_ = value;
    return static_cast<Derived&>(*this);
  }
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_ = kMean;
};
}  // namespace functional

struct L1LossOptions : functional::ReductionOptions<L1LossOptions> {
  using ReductionOptions::ReductionOptions;
};
struct MSELossOptions : functional::ReductionOptions<MSELossOptions> {
  using ReductionOptions::ReductionOptions;
};
struct SmoothL1LossOptions : functional::ReductionOptions<SmoothL1LossOptions> {
  using ReductionOptions::ReductionOptions;
  /// Where the loss turns from quadratic to linear; 0 gives l1_loss.
  TG_ARG(double, beta) = 1.0;
};
struct HuberLossOptions : functional::ReductionOptions<HuberLossOptions> {
  using ReductionOptions::ReductionOptions;
  TG_ARG(double, delta) = 1.0;
};
struct BCELossOptions : functional::ReductionOptions<BCELossOptions> {
  /// Rescales each element's loss; broadcasts to the input.
  TG_ARG(Tensor, weight) = {};
};
struct BCEWithLogitsLossOptions : functional::ReductionOptions<BCEWithLogitsLossOptions> {
  TG_ARG(Tensor, weight) = {};
  /// Weight of the positive term, broadcast along the last (class) dim.
  TG_ARG(Tensor, pos_weight) = {};
};
struct NLLLossOptions : functional::ReductionOptions<NLLLossOptions> {
  /// One weight per class ([C]).
  TG_ARG(Tensor, weight) = {};
  TG_ARG(std::int64_t, ignore_index) = -100;
};
struct CrossEntropyLossOptions : functional::ReductionOptions<CrossEntropyLossOptions> {
  TG_ARG(Tensor, weight) = {};
  TG_ARG(std::int64_t, ignore_index) = -100;
  TG_ARG(double, label_smoothing) = 0.0;
};
struct PoissonNLLLossOptions : functional::ReductionOptions<PoissonNLLLossOptions> {
  TG_ARG(bool, log_input) = true;
  /// Adds Stirling's approximation of log(target!).
  TG_ARG(bool, full) = false;
  TG_ARG(double, eps) = 1e-8;
};
struct GaussianNLLLossOptions : functional::ReductionOptions<GaussianNLLLossOptions> {
  TG_ARG(bool, full) = false;
  /// var is clamped to at least eps.
  TG_ARG(double, eps) = 1e-6;
};

/// kl_div's reduction: kNone, kMean, kSum or kBatchMean (libtorch's variant of the four).
class KLDivReduction {
 public:
  /* implicit */ KLDivReduction(Reduction reduction) : reduction_(reduction) {}
  /* implicit */ KLDivReduction(BatchMeanReduction) : batch_mean_(true), reduction_(kSum) {}
  bool is_batch_mean() const { return batch_mean_; }
  /// The reduction kl_div applies before batch-mean divides by the batch size.
  Reduction reduction() const { return reduction_; }
  bool operator==(const KLDivReduction&) const = default;

 private:
  bool batch_mean_ = false;
  Reduction reduction_;
};

struct KLDivLossOptions {
  /* implicit */ KLDivLossOptions(KLDivReduction reduction = kMean) : reduction_(reduction) {}
  /* implicit */ KLDivLossOptions(Reduction reduction) : reduction_(reduction) {}
  /* implicit */ KLDivLossOptions(BatchMeanReduction reduction) : reduction_(reduction) {}
  TG_ARG(KLDivReduction, reduction);
  /// target holds log-probabilities.
  TG_ARG(bool, log_target) = false;
};

namespace functional {
using L1LossFuncOptions = L1LossOptions;
using MSELossFuncOptions = MSELossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
