#pragma once
// Adagrad (with lr decay, weight decay and an initial accumulator value), as torch.optim.Adagrad.
#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// AdagradOptions(1e-2).lr_decay(0).weight_decay(0).initial_accumulator_value(0).eps(1e-10).
class AdagradOptions : public OptimizerOptions {
 public:
  AdagradOptions(double lr = 1e-2) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  AdagradOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  double lr_decay() const { return lr_decay_; }
  AdagradOptions& lr_decay(double lr_decay) {
    lr_decay_ = lr_decay;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  AdagradOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  AdagradOptions& initial_accumulator_value(double value) {
    initial_accumulator_value_ = value;
    return *this;
  }
  double eps() const { return eps_; }
  AdagradOptions& eps(double eps) {
    eps_ = eps;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  std::string_view optimizer_name() const override { return "Adagrad"; }
  /// lr, lr_decay, weight_decay, initial_accumulator_value and eps must be >= 0.
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  double lr_decay_ = 0;
  double weight_decay_ = 0;
  double initial_accumulator_value_ = 0;
  double eps_ = 1e-10;
};

/// State per parameter: step and sum (the running sum of squared gradients). As in PyTorch and
/// libtorch, the constructor creates it for every parameter, so state_dict lists parameters that
/// never got a gradient too.
class Adagrad : public Optimizer {
 public:
  Adagrad(const tensor_list& params, const AdagradOptions& defaults = AdagradOptions());
  Adagrad(const std::vector<OptimizerParamGroup>& param_groups,
          const AdagradOptions& defaults = AdagradOptions());

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
