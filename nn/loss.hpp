#pragma once
// Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss (forward(input, target)).
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/functional/loss.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

template <class Derived, class Options, Tensor (*Function)(const Tensor&, const Tensor&, const Options&)>
class LossImpl : public Cloneable<Derived> {
 public:
  explicit LossImpl(Options options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target) { return Function(input, target, options); }
  /// libtorch's "torch::nn::MSELoss()".
  void pretty_print(std::ostream& out) const override {
    std::string name = this->name();
    if (name.ends_with("Impl")) name.resize(name.size() - 4);
    out << name << "()";
  }
  Options options;
};

class CrossEntropyLossImpl
    : public LossImpl<CrossEntropyLossImpl, functional::CrossEntropyFuncOptions, functional::cross_entropy> {
  using LossImpl::LossImpl;
};
class NLLLossImpl : public LossImpl<NLLLossImpl, functional::NLLLossFuncOptions, functional::nll_loss> {
  using LossImpl::LossImpl;
};
class MSELossImpl : public LossImpl<MSELossImpl, functional::MSELossFuncOptions, functional::mse_loss> {
  using LossImpl::LossImpl;
};
class BCEWithLogitsLossImpl
    : public LossImpl<BCEWithLogitsLossImpl, functional::BinaryCrossEntropyWithLogitsFuncOptions,
                      functional::binary_cross_entropy_with_logits> {
  using LossImpl::LossImpl;
};

TG_MODULE(CrossEntropyLoss);
TG_MODULE(NLLLoss);
TG_MODULE(MSELoss);
TG_MODULE(BCEWithLogitsLoss);

}  // namespace tg::nn

#pragma GCC visibility pop
