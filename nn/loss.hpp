#pragma once
// Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss (forward(input, target)).
#include <tapegrad/nn/functional/loss.hpp>
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

template <class Options, Tensor (*Function)(const Tensor&, const Tensor&, const Options&)>
class LossImpl : public Module {
 public:
  explicit LossImpl(Options options = {}) : options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) { return Function(input, target, options); }
  Options options;
};

class CrossEntropyLossImpl : public LossImpl<functional::CrossEntropyFuncOptions, functional::cross_entropy> {
  using LossImpl::LossImpl;
};
class NLLLossImpl : public LossImpl<functional::NLLLossFuncOptions, functional::nll_loss> {
  using LossImpl::LossImpl;
};
class MSELossImpl : public LossImpl<functional::MSELossFuncOptions, functional::mse_loss> {
  using LossImpl::LossImpl;
};
class BCEWithLogitsLossImpl : public LossImpl<functional::BinaryCrossEntropyWithLogitsFuncOptions,
                                              functional::binary_cross_entropy_with_logits> {
  using LossImpl::LossImpl;
};

using CrossEntropyLoss = ModuleHolder<CrossEntropyLossImpl>;
using NLLLoss = ModuleHolder<NLLLossImpl>;
using MSELoss = ModuleHolder<MSELossImpl>;
using BCEWithLogitsLoss = ModuleHolder<BCEWithLogitsLossImpl>;

}  // namespace tg::nn
