// Adamax, NAdam and RAdam: Adam's moments with a different denominator or step size. Written
// with tensor ops, as PyTorch 1.13's _single_tensor_* functions.
#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/binary_math.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/adamax.hpp>
#include <tapegrad/optim/nadam.hpp>
#include <tapegrad/optim/radam.hpp>
#include <tapegrad/optim/validate_betas.hpp>

namespace tg::optim {
namespace {

// The parameter's state, created on its first update with `step` at 0 and the named buffers at 0;
// returns the step number of this update (1 on the first).
double begin_update(ParamState& state, const Tensor& param, const std::vector<std::string>& buffers) {
  if (state.empty()) {
    state.emplace("step", scalar_tensor(0, kFloat64));
    for (const std::string& name : buffers) state.emplace(name, zeros_like(param));
  }
  const Tensor& step_count = state.at("step");
  step_count.add_(1.0);
  return step_count.item<double>();
}

// g + weight_decay * p (L2 regularisation folded into the gradient).
Tensor decayed_grad(const Tensor& param, double weight_decay) {
  return weight_decay != 0 ? add(param.grad(), param, weight_decay) : param.grad();
}

}  // namespace

// ---------------------------------------------------------------- Adamax

void AdamaxOptions::validate() const { detail::validate_betas_eps_decay(*this); }

std::vector<OptimizerOptions::Field> AdamaxOptions::fields() {
  return {{"lr", &lr_}, {"betas", &betas_}, {"eps", &eps_}, {"weight_decay", &weight_decay_}};
}

Adamax::Adamax(const tensor_list& params, const AdamaxOptions& defaults)
    : Adamax(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adamax::Adamax(const std::vector<OptimizerParamGroup>& param_groups, const AdamaxOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> Adamax::state_names(const OptimizerOptions&) const {
  return {"step", "exp_avg", "exp_inf"};
}

Tensor Adamax::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const AdamaxOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      ParamState& state = state_for(param);
      const double step = begin_update(state, param, {"exp_avg", "exp_inf"});
      const Tensor grad = decayed_grad(param, options.weight_decay());
      // m = beta1 * m + (1 - beta1) * g; u = max(beta2 * u, |g| + eps) (NaN propagates, as amax)
      const Tensor& exp_avg = state.at("exp_avg");
      const Tensor& exp_inf = state.at("exp_inf");
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_inf.copy_(maximum(exp_inf * beta2, grad.abs() + options.eps()));
      // p = p - lr / (1 - beta1^t) * m / u
      param.add_(exp_avg / exp_inf, -options.lr() / (1 - std::pow(beta1, step)));
    }
  }
  return loss;
}

// ---------------------------------------------------------------- NAdam

void NAdamOptions::validate() const {
  detail::validate_betas_eps_decay(*this);
  check(momentum_decay_ >= 0, "NAdam", "Invalid momentum_decay value: ", momentum_decay_,
        " (it must be >= 0)");
}

std::vector<OptimizerOptions::Field> NAdamOptions::fields() {
  return {{"lr", &lr_},
          {"betas", &betas_},
          {"eps", &eps_},
          {"weight_decay", &weight_decay_},
          {"momentum_decay", &momentum_decay_}};
}

NAdam::NAdam(const tensor_list& params, const NAdamOptions& defaults)
    : NAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

NAdam::NAdam(const std::vector<OptimizerParamGroup>& param_groups, const NAdamOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> NAdam::state_names(const OptimizerOptions&) const {
  return {"step", "mu_product", "exp_avg", "exp_avg_sq"};
}

bool NAdam::is_scalar_state(const std::string& name) const { return name == "step" || name == "mu_product"; }

Tensor NAdam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const NAdamOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      ParamState& state = state_for(param);
      const double step = begin_update(state, param, {"exp_avg", "exp_avg_sq"});
      if (!state.contains("mu_product")) state.emplace("mu_product", scalar_tensor(1, kFloat64));
      const Tensor grad = decayed_grad(param, options.weight_decay());
      // The momentum schedule mu_t = beta1 * (1 - 0.96^(t * momentum_decay) / 2), for t and t + 1.
      const double mu = beta1 * (1 - 0.5 * std::pow(0.96, step * options.momentum_decay()));
      const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (step + 1) * options.momentum_decay()));
      const Tensor& mu_product = state.at("mu_product");
      mu_product.mul_(mu);
      const double product = mu_product.item<double>();
      // As PyTorch 1.13 (mu_product * mu * mu_next): mu enters the next product twice.
      const double product_next = product * mu * mu_next;

      const Tensor& exp_avg = state.at("exp_avg");
      const Tensor& exp_avg_sq = state.at("exp_avg_sq");
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).add_(grad * grad, 1 - beta2);
      // denom = sqrt(v / (1 - beta2^t)) + eps; the update mixes the gradient and the momentum:
      // p -= lr (1 - mu) / (1 - prod mu) g / denom + lr mu_next / (1 - prod mu * mu_next) m / denom
      const Tensor denom = (exp_avg_sq / (1 - std::pow(beta2, step))).sqrt().add_(options.eps());
      param.add_(grad / denom, -options.lr() * (1 - mu) / (1 - product));
      param.add_(exp_avg / denom, -options.lr() * mu_next / (1 - product_next));
    }
  }
  return loss;
}

// ---------------------------------------------------------------- RAdam

void RAdamOptions::validate() const { detail::validate_betas_eps_decay(*this); }

std::vector<OptimizerOptions::Field> RAdamOptions::fields() {
  return {{"lr", &lr_}, {"betas", &betas_}, {"eps", &eps_}, {"weight_decay", &weight_decay_}};
}

RAdam::RAdam(const tensor_list& params, const RAdamOptions& defaults)
    : RAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

RAdam::RAdam(const std::vector<OptimizerParamGroup>& param_groups, const RAdamOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> RAdam::state_names(const OptimizerOptions&) const {
  return {"step", "exp_avg", "exp_avg_sq"};
}

Tensor RAdam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const RAdamOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      ParamState& state = state_for(param);
      const double step = begin_update(state, param, {"exp_avg", "exp_avg_sq"});
      const Tensor grad = decayed_grad(param, options.weight_decay());
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const Tensor& exp_avg = state.at("exp_avg");
      const Tensor& exp_avg_sq = state.at("exp_avg_sq");
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).add_(grad * grad, 1 - beta2);
      const Tensor corrected_avg = exp_avg / bias_correction1;
      // rho: the length of the approximated simple moving average; beyond 5 the variance of the
      // adaptive lr is tractable and it is used with the rectification factor rect.
      const double rho_inf = 2 / (1 - beta2) - 1;
      const double rho = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
      if (rho > 5) {
        const double rect =
            std::sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho));
        const Tensor adaptive_lr = std::sqrt(bias_correction2) / exp_avg_sq.sqrt().add_(options.eps());
        param.add_(corrected_avg * adaptive_lr, -options.lr() * rect);
      } else {
        param.add_(corrected_avg, -options.lr());
      }
    }
  }
  return loss;
}

}  // namespace tg::optim
