#pragma once
// Activation layers: modules over the functional forms (nn/functional/activation.hpp), constructed
// and printed as libtorch's: ReLU(ReLUOptions().inplace(true)) prints "torch::nn::ReLU(inplace=true)".
#include <string>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/activation.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

// A stateless activation: forward applies Function with the module's options.
template <class Derived, class Options>
class ActivationImpl : public Cloneable<Derived> {
 public:
  explicit ActivationImpl(const Options& options) : options(options) {}
  void reset() override {}
  Options options;
};

#define TG_DECLARE_ACTIVATION(Name, Options, DefaultArgument)     \
  class Name##Impl : public ActivationImpl<Name##Impl, Options> { \
   public:                                                        \
    explicit Name##Impl(const Options& options DefaultArgument);  \
    Tensor forward(const Tensor& input);                          \
    void pretty_print(std::ostream& out) const override;          \
  };                                                              \
  TG_MODULE(Name)

#define TG_DEFAULT_OPTIONS = {}
#define TG_NO_DEFAULT

TG_DECLARE_ACTIVATION(ReLU, ReLUOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(ReLU6, ReLU6Options, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(SELU, SELUOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(ELU, ELUOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(CELU, CELUOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(Hardtanh, HardtanhOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(Softplus, SoftplusOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(GLU, GLUOptions, TG_DEFAULT_OPTIONS);
TG_DECLARE_ACTIVATION(Softmax, SoftmaxOptions, TG_NO_DEFAULT);
TG_DECLARE_ACTIVATION(Softmin, SoftminOptions, TG_NO_DEFAULT);
TG_DECLARE_ACTIVATION(LogSoftmax, LogSoftmaxOptions, TG_NO_DEFAULT);

#undef TG_DEFAULT_OPTIONS
#undef TG_NO_DEFAULT
#undef TG_DECLARE_ACTIVATION

class LeakyReLUImpl : public ActivationImpl<LeakyReLUImpl, LeakyReLUOptions> {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {});
  /// tapegrad's shorthand for LeakyReLUOptions().negative_slope(negative_slope).
  explicit LeakyReLUImpl(double negative_slope)
      : LeakyReLUImpl(LeakyReLUOptions().negative_slope(negative_slope)) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
};
TG_MODULE(LeakyReLU);

class GELUImpl : public ActivationImpl<GELUImpl, GELUOptions> {
 public:
  explicit GELUImpl(GELUOptions options = {});
  /// tapegrad's shorthand for GELUOptions().approximate(approximate).
  explicit GELUImpl(std::string approximate) : GELUImpl(GELUOptions().approximate(std::move(approximate))) {}
  explicit GELUImpl(const char* approximate) : GELUImpl(std::string(approximate)) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
};
TG_MODULE(GELU);

class ThresholdImpl : public ActivationImpl<ThresholdImpl, ThresholdOptions> {
 public:
  ThresholdImpl(double threshold, double value) : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  explicit ThresholdImpl(const ThresholdOptions& options);
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
};
TG_MODULE(Threshold);

/// PReLU: max(0, x) + weight * min(0, x) with a learnable weight of num_parameters entries
/// (1, or one per channel = dim 1 of the input), initialized to `init`.
class PReLUImpl : public Cloneable<PReLUImpl> {
 public:
  explicit PReLUImpl(const PReLUOptions& options = {});
  void reset() override;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  PReLUOptions options;
  Tensor weight;
};
TG_MODULE(PReLU);

// Option-free activations.
template <class Derived>
class StatelessImpl : public Cloneable<Derived> {
 public:
  void reset() override {}
};

class SigmoidImpl : public StatelessImpl<SigmoidImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Sigmoid()"; }
};
TG_MODULE(Sigmoid);
class TanhImpl : public StatelessImpl<TanhImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Tanh()"; }
};
TG_MODULE(Tanh);
class SiLUImpl : public StatelessImpl<SiLUImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::SiLU()"; }
};
TG_MODULE(SiLU);
class MishImpl : public StatelessImpl<MishImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Mish()"; }
};
TG_MODULE(Mish);
class LogSigmoidImpl : public StatelessImpl<LogSigmoidImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::LogSigmoid()"; }
};
TG_MODULE(LogSigmoid);
class SoftsignImpl : public StatelessImpl<SoftsignImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Softsign()"; }
};
TG_MODULE(Softsign);
/// Not in libtorch 1.13's C++ API (Python's nn.Hardswish / nn.Hardsigmoid); printed in the same style.
class HardswishImpl : public StatelessImpl<HardswishImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Hardswish()"; }
};
TG_MODULE(Hardswish);
class HardsigmoidImpl : public StatelessImpl<HardsigmoidImpl> {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "torch::nn::Hardsigmoid()"; }
};
TG_MODULE(Hardsigmoid);

}  // namespace tg::nn

#pragma GCC visibility pop
