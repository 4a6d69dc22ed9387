#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as
// torch.optim.SGD.
#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// SGDOptions(0.1).momentum(0.9).nesterov(true): chainable setters, getters of the same name.
class SGDOptions : public OptimizerOptions {
 public:
  SGDOptions(double lr) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  SGDOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  double momentum() const { return momentum_; }
  SGDOptions& momentum(double momentum) {
    momentum_ = momentum;
    return *this;
  }
  double dampening() const { return dampening_; }
  SGDOptions& dampening(double dampening) {
    dampening_ = dampening;
    return *this;
  }
  double weight_decay() const { return weight_decay_; }
  SGDOptions& weight_decay(double weight_decay) {
    weight_decay_ = weight_decay;
    return *this;
  }
  bool nesterov() const { return nesterov_; }
  SGDOptions& nesterov(bool nesterov) {
    nesterov_ = nesterov;
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  std::string_view optimizer_name() const override { return "SGD"; }
  /// lr, momentum and weight_decay must be >= 0; Nesterov needs momentum > 0 and dampening 0.
  void validate() const override;
  std::vector<Field> fields() override;

 private:
  double momentum_ = 0;
  double dampening_ = 0;
  double weight_decay_ = 0;
  bool nesterov_ = false;
};

/// State per parameter: momentum_buffer (when momentum != 0), created from the first gradient.
class SGD : public Optimizer {
 public:
  SGD(const tensor_list& params, const SGDOptions& defaults);
  SGD(const std::vector<OptimizerParamGroup>& param_groups, const SGDOptions& defaults);

  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim

#pragma GCC visibility pop
