#pragma once
// Adam (with optional AMSGrad and L2 weight decay) and AdamW (decoupled weight decay), as
// torch.optim.Adam and torch.optim.AdamW.
#include <tuple>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).amsgrad(false).
class AdamOptions : public OptimizerOptions {
 public:
  AdamOptions(double lr = 1e-3) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  AdamOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  const std::tuple<double, double>& betas() const { return betas_; }
  AdamOptions& betas(const std::tuple<double, double>& betas) {
    betas_ = betas;
    return *this;
  }
  double eps() const { return eps_; }
  AdamOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  AdamOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  bool amsgrad() const { return amsgrad_; }
  AdamOptions& amsgrad(bool amsgrad) {
    amsgrad_ = amsgrad;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamOptions>(*this); }
  std::string_view optimizer_name() const override { return "Adam"; }
  /// lr, eps and weight_decay must be >= 0 and both betas in [0, 1).
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  std::tuple<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 0;
  bool amsgrad_ = false;
};

/// As AdamOptions, but weight decay defaults to 1e-2 and is decoupled (see AdamW).
class AdamWOptions : public OptimizerOptions {
 public:
  AdamWOptions(double lr = 1e-3) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  AdamWOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  const std::tuple<double, double>& betas() const { return betas_; }
  AdamWOptions& betas(const std::tuple<double, double>& betas) {
    betas_ = betas;
    return *this;
  }
  double eps() const { return eps_; }
  AdamWOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  AdamWOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  bool amsgrad() const { return amsgrad_; }
  AdamWOptions& amsgrad(bool amsgrad) {
    amsgrad_ = amsgrad;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamWOptions>(*this); }
  std::string_view optimizer_name() const override { return "AdamW"; }
  /// lr, eps and weight_decay must be >= 0 and both betas in [0, 1).
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  std::tuple<double, double> betas_{0.9, 0.999};
  double eps_ = 1e-8;
  double weight_decay_ = 1e-2;
  bool amsgrad_ = false;
};

/// State per parameter: step, exp_avg, exp_avg_sq, and max_exp_avg_sq with amsgrad.
class Adam : public Optimizer {
 public:
  Adam(const tensor_list& params, const AdamOptions& defaults = AdamOptions());
  Adam(const std::vector<OptimizerParamGroup>& param_groups, const AdamOptions& defaults = AdamOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

/// Adam whose weight decay shrinks the parameter (p *= 1 - lr * weight_decay) before the update
/// instead of being added to the gradient. Same state as Adam.
class AdamW : public Optimizer {
 public:
  AdamW(const tensor_list& params, const AdamWOptions& defaults = AdamWOptions());
  AdamW(const std::vector<OptimizerParamGroup>& param_groups, const AdamWOptions& defaults = AdamWOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
