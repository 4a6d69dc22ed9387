#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/adagrad.hpp>

namespace tg::optim {

void AdagradOptions::validate() const {
  check(lr_ >= 0, "Adagrad", "Invalid learning rate: ", lr_, " (it must be >= 0)");
  check(lr_decay_ >= 0, "Adagrad", "Invalid lr_decay value: ", lr_decay_, " (it must be >= 0)");
  check(weight_decay_ >= 0, "Adagrad", "Invalid weight_decay value: ", weight_decay_, " (it must be >= 0)");
  check(initial_accumulator_value_ >= 0, "Adagrad",
        "Invalid initial_accumulator_value value: ", initial_accumulator_value_, " (it must be >= 0)");
  check(eps_ >= 0, "Adagrad", "Invalid epsilon value: ", eps_, " (it must be >= 0)");
}

std::vector<OptimizerOptions::Field> AdagradOptions::fields() {
  return {{"lr", &lr_},
          {"lr_decay", &lr_decay_},
          {"eps", &eps_},
          {"weight_decay", &weight_decay_},
          {"initial_accumulator_value", &initial_accumulator_value_}};
}

namespace {

void init_adagrad_state(ParamState& state, const Tensor& param, const AdagradOptions& options) {
  state.emplace("step", scalar_tensor(0, kFloat64));
  state.emplace("sum", full_like(param, options.initial_accumulator_value()));
}

}  // namespace

Adagrad::Adagrad(const tensor_list& params, const AdagradOptions& defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

Adagrad::Adagrad(const std::vector<OptimizerParamGroup>& param_groups, const AdagradOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : this->param_groups())
    for (const Tensor& param : group.params())
      init_adagrad_state(state_for(param), param, static_cast<const AdagradOptions&>(group.options()));
}

std::vector<std::string> Adagrad::state_names(const OptimizerOptions&) const { return {"step", "sum"}; }

Tensor Adagrad::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const AdagradOptions&>(group.options());
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      ParamState& state = state_for(param);
      // Parameters of groups added after construction start their state here.
      if (state.empty()) init_adagrad_state(state, param, options);
      const Tensor& step_count = state.at("step");
      step_count.add_(1.0);
      const double step = step_count.item<double>();

      Tensor grad = param.grad();
      // g = g + weight_decay * p
      if (options.weight_decay() != 0) grad = add(grad, param, options.weight_decay());
      // clr = lr / (1 + (t - 1) * lr_decay); sum = sum + g^2; p = p - clr * g / (sqrt(sum) + eps)
      const double clr = options.lr() / (1 + (step - 1) * options.lr_decay());
      const Tensor& sum = state.at("sum");
      sum.add_(grad * grad);
      param.add_(grad / sum.sqrt().add_(options.eps()), -clr);
    }
  }
  return loss;
}

}  // namespace tg::optim
