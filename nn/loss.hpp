#pragma once
// Loss modules (forward(input, target)), as libtorch's: L1Loss, MSELoss, SmoothL1Loss, HuberLoss,
// BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss, KLDivLoss, PoissonNLLLoss, and
// GaussianNLLLoss (forward(input, target, var)).
#include <utility>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/functional/loss.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// libtorch's "torch::nn::MSELoss()": the module's name without "Impl", and no options (libtorch
/// prints SmoothL1Loss and HuberLoss without the parentheses).
inline void print_loss(std::ostream& out, std::string name) {
  if (name.ends_with("Impl")) name.resize(name.size() - 4);
  out << name;
  if (!name.ends_with("SmoothL1Loss") && !name.ends_with("HuberLoss")) out << "()";
}
}  // namespace detail
#pragma GCC visibility pop

template <class Derived, class Options, Tensor (*Function)(const Tensor&, const Tensor&, const Options&)>
class LossImpl : public Cloneable<Derived> {
 public:
  explicit LossImpl(Options options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target) {
    return Function(input, target, with_buffered_weights());
  }
  void pretty_print(std::ostream& out) const override { detail::print_loss(out, this->name()); }
  Options options;

 protected:
  // Class weights are buffers, as libtorch's (they show in named_buffers() and state dicts). Called by
  // the reset() of the losses that register them (libtorch's BCELoss, BCEWithLogitsLoss, NLLLoss,
  // CrossEntropyLoss), which call reset() from their own constructor: registering in this base's
  // constructor would fix the module's name() to LossImpl's.
  void register_weight_buffers() {
    if constexpr (requires { options.weight(); })
      if (options.weight().defined()) this->register_buffer("weight", options.weight());
    if constexpr (requires { options.pos_weight(); })
      if (options.pos_weight().defined()) this->register_buffer("pos_weight", options.pos_weight());
  }

 private:
  // The options with the weight buffers' current values, so module.to(dtype) reaches the weights.
  Options with_buffered_weights() const {
    Options current = options;
    const OrderedDict<Tensor> buffers = this->named_buffers(false);
    if constexpr (requires { current.weight(); })
      if (const Tensor* weight = buffers.find("weight")) current.weight(*weight);
    if constexpr (requires { current.pos_weight(); })
      if (const Tensor* pos_weight = buffers.find("pos_weight")) current.pos_weight(*pos_weight);
    return current;
  }
};

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
// F::smooth_l1_loss has libtorch's trailing beta argument, so it is not a LossImpl Function itself.
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options) {
  return functional::smooth_l1_loss(input, target, options);
}
}  // namespace detail
#pragma GCC visibility pop

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
 public:
  explicit BCELossImpl(BCELossOptions options = {}) : LossImpl(std::move(options)) { reset(); }
  void reset() override { register_weight_buffers(); }
};
class BCEWithLogitsLossImpl : public LossImpl<BCEWithLogitsLossImpl, BCEWithLogitsLossOptions,
                                              functional::binary_cross_entropy_with_logits> {
 public:
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {}) : LossImpl(std::move(options)) {
    reset();
  }
  void reset() override { register_weight_buffers(); }
};
class NLLLossImpl : public LossImpl<NLLLossImpl, NLLLossOptions, functional::nll_loss> {
 public:
  explicit NLLLossImpl(NLLLossOptions options = {}) : LossImpl(std::move(options)) { reset(); }
  void reset() override { register_weight_buffers(); }
};
class CrossEntropyLossImpl
    : public LossImpl<CrossEntropyLossImpl, CrossEntropyLossOptions, functional::cross_entropy> {
 public:
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {}) : LossImpl(std::move(options)) {
    reset();
  }
  void reset() override { register_weight_buffers(); }
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

#pragma GCC visibility pop
