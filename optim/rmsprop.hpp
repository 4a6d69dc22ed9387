#pragma once
// RMSprop (optionally centered, with momentum and weight decay), as torch.optim.RMSprop.
#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// RMSpropOptions(1e-2).alpha(0.99).eps(1e-8).weight_decay(0).momentum(0).centered(false).
class RMSpropOptions : public OptimizerOptions {
 public:
  RMSpropOptions(double lr = 1e-2) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  RMSpropOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  double alpha() const { return alpha_; }
  RMSpropOptions& alpha(double alpha) {
    alpha_ = alpha;
    return *this;
  }
  double eps() const { return eps_; }
  RMSpropOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  RMSpropOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  double momentum() const { return momentum_; }
  RMSpropOptions& momentum(double momentum) {
    momentum_ = momentum;
    return *this;
  }
  bool centered() const { return centered_; }
  RMSpropOptions& centered(bool centered) {
    centered_ = centered;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  std::string_view optimizer_name() const override { return "RMSprop"; }
  /// lr, alpha, eps, weight_decay and momentum must be >= 0.
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  double alpha_ = 0.99;
  double eps_ = 1e-8;
  double weight_decay_ = 0;
  double momentum_ = 0;
  bool centered_ = false;
};

/// State per parameter: step, square_avg, momentum_buffer (momentum > 0), grad_avg (centered).
class RMSprop : public Optimizer {
 public:
  RMSprop(const tensor_list& params, const RMSpropOptions& defaults = RMSpropOptions());
  RMSprop(const std::vector<OptimizerParamGroup>& param_groups,
          const RMSpropOptions& defaults = RMSpropOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
