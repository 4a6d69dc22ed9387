#pragma once
// Adamax, the infinity-norm variant of Adam, as torch.optim.Adamax.
#include <tuple>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// AdamaxOptions(2e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).
class AdamaxOptions : public OptimizerOptions {
 public:
  AdamaxOptions(double lr = 2e-3) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  AdamaxOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  const std::tuple<double, double>& betas() const { return betas_; }
  AdamaxOptions& betas(const std::tuple<double, double>& betas) {
    betas_ = betas;
    return *this;
  }
  double eps() const { return eps_; }
  AdamaxOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  AdamaxOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamaxOptions>(*this); }
  std::string_view optimizer_name() const override { return "Adamax"; }
  /// lr, eps and weight_decay must be >= 0 and both betas in [0, 1).
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  std::tuple<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0;
};

/// State per parameter: step, exp_avg and exp_inf (the decayed infinity norm of the gradients).
class Adamax : public Optimizer {
 public:
  Adamax(const tensor_list& params, const AdamaxOptions& defaults = AdamaxOptions());
  Adamax(const std::vector<OptimizerParamGroup>& param_groups,
         const AdamaxOptions& defaults = AdamaxOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
