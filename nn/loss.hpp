#pragma once
// Loss modules (forward(input, target)), as libtorch's: L1Loss, MSELoss, SmoothL1Loss, HuberLoss,
// BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss, KLDivLoss, PoissonNLLLoss, and
// GaussianNLLLoss (forward(input, target, var)).
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/functional/loss.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

namespace detail {
/// libtorch's "torch::nn::MSELoss()": the module's name without "Impl", and no options.
inline void print_loss(std::ostream& out, std::string name) {
  if (name.ends_with("Impl")) name.resize(name.size() - 4);
  out << name << "()";
}
}  // namespace detail

template <class Derived, class Options, Tensor (*Function)(const Tensor&, const Tensor&, const Options&)>
class LossImpl : public Cloneable<Derived> {
 public:
  explicit LossImpl(Options options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target) { return Function(input, target, options); }
  void pretty_print(std::ostream& out) const override { detail::print_loss(out, this->name()); }
  Options options;
};

namespace detail {
// F::smooth_l1_loss has libtorch's trailing beta argument, so it is not a LossImpl Function itself.
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options) {
  return functional::smooth_l1_loss(input, target, options);
}
}  // namespace detail

class L1LossImpl : public LossImpl<L1LossImpl, L1LossOptions, functional::l1_loss> {
  using LossImpl::LossImpl;
};
class MSELossImpl : public LossImpl<MSELossImpl, MSELossOptions, functional::mse_loss> {
  using LossImpl::LossImpl;
};
class SmoothL1LossImpl : public LossImpl<SmoothL1LossImpl, SmoothL1LossOptions, detail::smooth_l1_loss> {
  using LossImpl::LossImpl;
};
class HuberLossImpl : public LossImpl<HuberLossImpl, HuberLossOptions, functional::huber_loss> {
  using LossImpl::LossImpl;
};
class BCELossImpl : public LossImpl<BCELossImpl, BCELossOptions, functional::binary_cross_entropy> {
  using LossImpl::LossImpl;
};
class BCEWithLogitsLossImpl : public LossImpl<BCEWithLogitsLossImpl, BCEWithLogitsLossOptions,
                                              functional::binary_cross_entropy_with_logits> {
  using LossImpl::LossImpl;
};
class NLLLossImpl : public LossImpl<NLLLossImpl, NLLLossOptions, functional::nll_loss> {
  using LossImpl::LossImpl;
};
class CrossEntropyLossImpl
    : public LossImpl<CrossEntropyLossImpl, CrossEntropyLossOptions, functional::cross_entropy> {
  using LossImpl::LossImpl;
};
class KLDivLossImpl : public LossImpl<KLDivLossImpl, KLDivLossOptions, functional::kl_div> {
  using LossImpl::LossImpl;
};
class PoissonNLLLossImpl
    : public LossImpl<PoissonNLLLossImpl, PoissonNLLLossOptions, functional::poisson_nll_loss> {
  using LossImpl::LossImpl;
};

/// Three inputs: the predicted means, the targets and the predicted variances.
class GaussianNLLLossImpl : public Cloneable<GaussianNLLLossImpl> {
 public:
  explicit GaussianNLLLossImpl(GaussianNLLLossOptions options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var) {
    return functional::gaussian_nll_loss(input, target, var, options);
  }
  void pretty_print(std::ostream& out) const override { detail::print_loss(out, name()); }
  GaussianNLLLossOptions options;
};

TG_MODULE(L1Loss);
TG_MODULE(MSELoss);
TG_MODULE(SmoothL1Loss);
TG_MODULE(HuberLoss);
TG_MODULE(BCELoss);
TG_MODULE(BCEWithLogitsLoss);
TG_MODULE(NLLLoss);
TG_MODULE(CrossEntropyLoss);
TG_MODULE(KLDivLoss);
TG_MODULE(PoissonNLLLoss);
TG_MODULE(GaussianNLLLoss);

}  // namespace tg::nn
