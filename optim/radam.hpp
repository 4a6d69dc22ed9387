#pragma once
// RAdam, Adam with a rectified adaptive learning rate (Liu et al. 2019), as torch.optim.RAdam.
// libtorch 1.13 has no RAdam; the names follow PyTorch's Python API.
#include <tuple>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// RAdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).
class RAdamOptions : public OptimizerOptions {
 public:
  RAdamOptions(double lr = 1e-3) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  RAdamOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  const std::tuple<double, double>& betas() const { return betas_; }
  RAdamOptions& betas(const std::tuple<double, double>& betas) {
    betas_ = betas;
    return *this;
  }
  double eps() const { return eps_; }
  RAdamOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  RAdamOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RAdamOptions>(*this); }
  std::string_view optimizer_name() const override { return "RAdam"; }
  /// lr, eps and weight_decay must be >= 0 and both betas in [0, 1).
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  std::tuple<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0;
};

/// State per parameter: step, exp_avg and exp_avg_sq. While the variance estimate is
/// unreliable (the first steps), the update is plain momentum SGD.
class RAdam : public Optimizer {
 public:
  RAdam(const tensor_list& params, const RAdamOptions& defaults = RAdamOptions());
  RAdam(const std::vector<OptimizerParamGroup>& param_groups, const RAdamOptions& defaults = RAdamOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
