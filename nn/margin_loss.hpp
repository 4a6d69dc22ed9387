#pragma once
// Margin and embedding loss modules. Two-argument losses (forward(input, target)) build on LossImpl;
// MarginRankingLoss and CosineEmbeddingLoss take (input1, input2, target), the triplet losses
// (anchor, positive, negative). Each prints as libtorch's module does.
#include <ostream>
#include <string_view>

#include <tapegrad/nn/functional/margin_loss.hpp>
#include <tapegrad/nn/loss.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// libtorch's enumtype::get_enum_name for a reduction ("kMean").
inline std::string_view margin_loss_reduction_name(Reduction reduction) {
  return reduction == kMean ? "kMean" : reduction == kSum ? "kSum" : "kNone";
}
}  // namespace detail
#pragma GCC visibility pop

class HingeEmbeddingLossImpl
    : public LossImpl<HingeEmbeddingLossImpl, HingeEmbeddingLossOptions, functional::hinge_embedding_loss> {
 public:
  using LossImpl::LossImpl;
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::HingeEmbeddingLoss(margin=" << options.margin() << ")";
  }
};
TG_MODULE(HingeEmbeddingLoss);

class SoftMarginLossImpl
    : public LossImpl<SoftMarginLossImpl, SoftMarginLossOptions, functional::soft_margin_loss> {
 public:
  using LossImpl::LossImpl;
  void pretty_print(std::ostream& out) const override { out << "torch::nn::SoftMarginLoss()"; }
};
TG_MODULE(SoftMarginLoss);

class MultiMarginLossImpl
    : public LossImpl<MultiMarginLossImpl, MultiMarginLossOptions, functional::multi_margin_loss> {
 public:
  explicit MultiMarginLossImpl(MultiMarginLossOptions options = {}) : LossImpl(std::move(options)) {
    reset();
  }
  /// Checks p and registers the class weights as the buffer "weight" (when given), as libtorch.
  void reset() override {
    check(options.p() == 1 || options.p() == 2, "MultiMarginLoss",
          "only p == 1 and p == 2 supported, got p = ", options.p());
    if (!options.weight().defined()) return;
    check(options.weight().dim() == 1, "MultiMarginLoss", "weight must be one-dimensional, got shape ",
          options.weight().sizes());
    options.weight() = register_buffer("weight", options.weight());
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::MultiMarginLoss(p=" << options.p() << ", margin=" << options.margin() << ", weight=";
    // libtorch streams the tensor itself, and "[ Tensor (undefined) ]" for no weight.
    if (options.weight().defined())
      out << options.weight();
    else
      out << "[ Tensor (undefined) ]";
    out << ", reduction=" << detail::margin_loss_reduction_name(options.reduction()) << ")";
  }
};
TG_MODULE(MultiMarginLoss);

class MultiLabelMarginLossImpl : public LossImpl<MultiLabelMarginLossImpl, MultiLabelMarginLossOptions,
                                                 functional::multilabel_margin_loss> {
 public:
  using LossImpl::LossImpl;
  void pretty_print(std::ostream& out) const override { out << "torch::nn::MultiLabelMarginLoss()"; }
};
TG_MODULE(MultiLabelMarginLoss);

class MultiLabelSoftMarginLossImpl
    : public LossImpl<MultiLabelSoftMarginLossImpl, MultiLabelSoftMarginLossOptions,
                      functional::multilabel_soft_margin_loss> {
 public:
  explicit MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options = {})
      : LossImpl(std::move(options)) {
    reset();
  }
  void reset() override {
    if (options.weight().defined()) options.weight() = register_buffer("weight", options.weight());
  }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::MultiLabelSoftMarginLoss()"; }
};
TG_MODULE(MultiLabelSoftMarginLoss);

class MarginRankingLossImpl : public Cloneable<MarginRankingLossImpl> {
 public:
  explicit MarginRankingLossImpl(const MarginRankingLossOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
    return functional::margin_ranking_loss(input1, input2, target, options);
  }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::MarginRankingLoss()"; }
  MarginRankingLossOptions options;
};
TG_MODULE(MarginRankingLoss);

class CosineEmbeddingLossImpl : public Cloneable<CosineEmbeddingLossImpl> {
 public:
  explicit CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
    return functional::cosine_embedding_loss(input1, input2, target, options);
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::CosineEmbeddingLoss(margin=" << options.margin() << ")";
  }
  CosineEmbeddingLossOptions options;
};
TG_MODULE(CosineEmbeddingLoss);

class TripletMarginLossImpl : public Cloneable<TripletMarginLossImpl> {
 public:
  explicit TripletMarginLossImpl(const TripletMarginLossOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) {
    return functional::triplet_margin_loss(anchor, positive, negative, options);
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::TripletMarginLoss(margin=" << options.margin() << ", p=" << options.p()
        << ", eps=" << options.eps() << std::boolalpha << ", swap=" << options.swap() << ")";
  }
  TripletMarginLossOptions options;
};
TG_MODULE(TripletMarginLoss);

class TripletMarginWithDistanceLossImpl : public Cloneable<TripletMarginWithDistanceLossImpl> {
 public:
  explicit TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions options = {})
      : options(std::move(options)) {}
  void reset() override {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) {
    return functional::triplet_margin_with_distance_loss(anchor, positive, negative, options);
  }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::TripletMarginWithDistanceLoss(margin=" << options.margin() << std::boolalpha
        << ", swap=" << options.swap() << ")";
  }
  TripletMarginWithDistanceLossOptions options;
};
TG_MODULE(TripletMarginWithDistanceLoss);

}  // namespace tg::nn

#pragma GCC visibility pop
