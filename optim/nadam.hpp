#pragma once
// NAdam, Adam with Nesterov momentum (Dozat 2016), as torch.optim.NAdam. libtorch 1.13 has no
// NAdam; the names follow PyTorch's Python API.
#include <tuple>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// NAdamOptions(2e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).momentum_decay(4e-3).
class NAdamOptions : public OptimizerOptions {
 public:
  NAdamOptions(double lr = 2e-3) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  NAdamOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  const std::tuple<double, double>& betas() const { return betas_; }
  NAdamOptions& betas(const std::tuple<double, double>& betas) {
    betas_ = betas;
    return *this;
  }
  double eps() const { return eps_; }
  NAdamOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  NAdamOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  double momentum_decay() const { return momentum_decay_; }
  NAdamOptions& momentum_decay(double momentum_decay) {
    momentum_decay_ = momentum_decay;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<NAdamOptions>(*this); }
  std::string_view optimizer_name() const override { return "NAdam"; }
  /// lr, eps, weight_decay and momentum_decay must be >= 0 and both betas in [0, 1).
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  std::tuple<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0;
  double momentum_decay_ = 4e-3;
};

/// State per parameter: step, mu_product (0-d float64: the product of the momentum
/// coefficients so far), exp_avg and exp_avg_sq.
class NAdam : public Optimizer {
 public:
  NAdam(const tensor_list& params, const NAdamOptions& defaults = NAdamOptions());
  NAdam(const std::vector<OptimizerParamGroup>& param_groups, const NAdamOptions& defaults = NAdamOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
  bool is_scalar_state(const std::string& name) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
