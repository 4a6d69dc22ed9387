#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/adam.hpp>

namespace tg::optim {
namespace {

// The hyperparameters Adam and AdamW share, read from either options class.
struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, decoupled_weight_decay;
  std::string_view optimizer_name;
};

template <class Options>
void validate_adam(const Options& options) {
  const std::string_view name = options.optimizer_name();
  const auto [beta1, beta2] = options.betas();
  check(options.lr() >= 0, name, "invalid learning rate ", options.lr(), ": it must be >= 0");
  check(options.eps() >= 0, name, "invalid eps ", options.eps(), ": it must be >= 0");
  check(beta1 >= 0 && beta1 < 1, name, "invalid beta1 (betas index 0) ", beta1, ": it must be in [0, 1)");
  check(beta2 >= 0 && beta2 < 1, name, "invalid beta2 (betas index 1) ", beta2, ": it must be in [0, 1)");
  check(options.weight_decay() >= 0, name, "invalid weight_decay ", options.weight_decay(),
        ": it must be >= 0");
}

std::vector<std::string> adam_state_names(bool amsgrad) {
  if (amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"step", "exp_avg", "exp_avg_sq"};
}

// Element-wise maximum that propagates NaN, as torch.maximum.
Tensor maximum(const Tensor& a, const Tensor& b) {
  return kernels::zip("maximum", a, b, [](auto x, auto y) { return (x != x || x > y) ? x : y; });
}

// One Adam/AdamW update of `param` (PyTorch 1.13's _single_tensor_adam / _single_tensor_adamw).
void adam_update(const Tensor& param, ParamState& state, const AdamHyper& h) {
  if (state.empty()) {
    state.emplace("step", scalar_tensor(0, kFloat64));
    state.emplace("exp_avg", zeros_like(param));
    state.emplace("exp_avg_sq", zeros_like(param));
    if (h.amsgrad) state.emplace("max_exp_avg_sq", zeros_like(param));
  }
  for (const std::string& name : adam_state_names(h.amsgrad))
    check(state.contains(name), h.optimizer_name, "the state of a parameter of shape ", param.sizes(),
          " lacks '", name, "' (was amsgrad turned on after the first step?)");
  const Tensor& step_count = state.at("step");
  const Tensor& exp_avg = state.at("exp_avg");
  const Tensor& exp_avg_sq = state.at("exp_avg_sq");
  step_count.add_(1.0);
  const double step = step_count.item<double>();

  Tensor grad = param.grad();
  if (h.decoupled_weight_decay) {
    // AdamW: p = p * (1 - lr * weight_decay), applied before the moments are updated.
    param.mul_(1 - h.lr * h.weight_decay);
  } else if (h.weight_decay != 0) {
    // Adam (L2): g = g + weight_decay * p
    grad = add(grad, param, h.weight_decay);
  }
  // m = beta1 * m + (1 - beta1) * g
  exp_avg.mul_(h.beta1).add_(grad, 1 - h.beta1);
  // v = beta2 * v + (1 - beta2) * g^2
  exp_avg_sq.mul_(h.beta2).add_(grad * grad, 1 - h.beta2);

  const double bias_correction1 = 1 - std::pow(h.beta1, step);
  const double bias_correction2 = 1 - std::pow(h.beta2, step);
  const double step_size = h.lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);

  Tensor second_moment = exp_avg_sq;
  if (h.amsgrad) {
    // AMSGrad: v_max = max(v_max, v), and v_max replaces v in the denominator.
    const Tensor& max_exp_avg_sq = state.at("max_exp_avg_sq");
    max_exp_avg_sq.copy_(maximum(max_exp_avg_sq, exp_avg_sq));
    second_moment = max_exp_avg_sq;
  }
  // denom = sqrt(v) / sqrt(1 - beta2^t) + eps
  Tensor denom = sqrt(second_moment) / bias_correction2_sqrt;
  denom.add_(h.eps);
  // p = p - lr / (1 - beta1^t) * m / denom
  param.add_(exp_avg / denom, -step_size);
}

}  // namespace

void AdamOptions::validate() const { validate_adam(*this); }
void AdamWOptions::validate() const { validate_adam(*this); }

std::vector<OptimizerOptions::Field> AdamOptions::fields() {
  return {{"lr", &lr_},
          {"betas", &betas_},
          {"eps", &eps_},
          {"weight_decay", &weight_decay_},
          {"amsgrad", &amsgrad_}};
}

std::vector<OptimizerOptions::Field> AdamWOptions::fields() {
  return {{"lr", &lr_},
          {"betas", &betas_},
          {"eps", &eps_},
          {"weight_decay", &weight_decay_},
          {"amsgrad", &amsgrad_}};
}

Adam::Adam(const tensor_list& params, const AdamOptions& defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adam::Adam(const std::vector<OptimizerParamGroup>& param_groups, const AdamOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> Adam::state_names(const OptimizerOptions& options) const {
  return adam_state_names(static_cast<const AdamOptions&>(options).amsgrad());
}

void Adam::step() {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const AdamOptions&>(*group.options);
    const AdamHyper hyper{options.lr(),
                          std::get<0>(options.betas()),
                          std::get<1>(options.betas()),
                          options.eps(),
                          options.weight_decay(),
                          options.amsgrad(),
                          false,
                          "Adam"};
    for (const Tensor& param : group.params)
      if (param.grad().defined()) adam_update(param, state_for(param), hyper);
  }
}

AdamW::AdamW(const tensor_list& params, const AdamWOptions& defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

AdamW::AdamW(const std::vector<OptimizerParamGroup>& param_groups, const AdamWOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> AdamW::state_names(const OptimizerOptions& options) const {
  return adam_state_names(static_cast<const AdamWOptions&>(options).amsgrad());
}

void AdamW::step() {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const AdamWOptions&>(*group.options);
    const AdamHyper hyper{options.lr(),
                          std::get<0>(options.betas()),
                          std::get<1>(options.betas()),
                          options.eps(),
                          options.weight_decay(),
                          options.amsgrad(),
                          true,
                          "AdamW"};
    for (const Tensor& param : group.params)
      if (param.grad().defined()) adam_update(param, state_for(param), hyper);
  }
}

}  // namespace tg::optim
