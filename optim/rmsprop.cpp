#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/rmsprop.hpp>

namespace tg::optim {

void RMSpropOptions::validate() const {
  check(lr_ >= 0, "RMSprop", "Invalid learning rate: ", lr_, " (it must be >= 0)");
  check(eps_ >= 0, "RMSprop", "Invalid epsilon value: ", eps_, " (it must be >= 0)");
  check(momentum_ >= 0, "RMSprop", "Invalid momentum value: ", momentum_, " (it must be >= 0)");
  check(weight_decay_ >= 0, "RMSprop", "Invalid weight_decay value: ", weight_decay_, " (it must be >= 0)");
  check(alpha_ >= 0, "RMSprop", "Invalid alpha value: ", alpha_, " (it must be >= 0)");
}

std::vector<OptimizerOptions::Field> RMSpropOptions::fields() {
  return {{"lr", &lr_},
          {"alpha", &alpha_},
          {"eps", &eps_},
          {"weight_decay", &weight_decay_},
          {"momentum", &momentum_},
          {"centered", &centered_}};
}

RMSprop::RMSprop(const tensor_list& params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

RMSprop::RMSprop(const std::vector<OptimizerParamGroup>& param_groups, const RMSpropOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> RMSprop::state_names(const OptimizerOptions& options) const {
  const auto& rmsprop = static_cast<const RMSpropOptions&>(options);
  std::vector<std::string> names{"step", "square_avg"};
  if (rmsprop.momentum() > 0) names.push_back("momentum_buffer");
  if (rmsprop.centered()) names.push_back("grad_avg");
  return names;
}

Tensor RMSprop::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const RMSpropOptions&>(group.options());
    const double alpha = options.alpha();
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      ParamState& state = state_for(param);
      if (state.empty()) {
        state.emplace("step", scalar_tensor(0, kFloat64));
        state.emplace("square_avg", zeros_like(param));
        if (options.momentum() > 0) state.emplace("momentum_buffer", zeros_like(param));
        if (options.centered()) state.emplace("grad_avg", zeros_like(param));
      }
      for (const std::string& name : state_names(options))
        check(state.contains(name), "RMSprop", "the state of a parameter of shape ", param.sizes(),
              " lacks '", name, "' (were momentum or centered turned on after the first step?)");
      state.at("step").add_(1.0);

      Tensor grad = param.grad();
      // g = g + weight_decay * p
      if (options.weight_decay() != 0) grad = add(grad, param, options.weight_decay());
      // E[g^2] = alpha * E[g^2] + (1 - alpha) * g^2
      const Tensor& square_avg = state.at("square_avg");
      square_avg.mul_(alpha).add_(grad * grad, 1 - alpha);

      Tensor avg;
      if (options.centered()) {
        // E[g] = alpha * E[g] + (1 - alpha) * g, and avg = sqrt(E[g^2] - E[g]^2)
        const Tensor& grad_avg = state.at("grad_avg");
        grad_avg.mul_(alpha).add_(grad, 1 - alpha);
        avg = sqrt(square_avg - grad_avg * grad_avg);
      } else {
        // avg = sqrt(E[g^2])
        avg = sqrt(square_avg);
      }
      avg.add_(options.eps());

      if (options.momentum() > 0) {
        // buf = momentum * buf + g / avg, then p = p - lr * buf
        const Tensor& buffer = state.at("momentum_buffer");
        buffer.mul_(options.momentum()).add_(grad / avg);
        param.add_(buffer, -options.lr());
      } else {
        // p = p - lr * g / avg
        param.add_(grad / avg, -options.lr());
      }
    }
  }
  return loss;
}

}  // namespace tg::optim
