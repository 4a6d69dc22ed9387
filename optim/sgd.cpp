#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/optim/sgd.hpp>

namespace tg::optim {

void SGDOptions::validate() const {
  check(lr_ >= 0, "SGD", "invalid learning rate ", lr_, ": it must be >= 0");
  check(momentum_ >= 0, "SGD", "invalid momentum ", momentum_, ": it must be >= 0");
  check(weight_decay_ >= 0, "SGD", "invalid weight_decay ", weight_decay_, ": it must be >= 0");
  check(!nesterov_ || (momentum_ > 0 && dampening_ == 0), "SGD",
        "Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ", momentum_,
        ", dampening ", dampening_, ")");
}

std::vector<OptimizerOptions::Field> SGDOptions::fields() {
  return {{"lr", &lr_},
          {"momentum", &momentum_},
          {"dampening", &dampening_},
          {"weight_decay", &weight_decay_},
          {"nesterov", &nesterov_}};
}

SGD::SGD(const tensor_list& params, const SGDOptions& defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

SGD::SGD(const std::vector<OptimizerParamGroup>& param_groups, const SGDOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> SGD::state_names(const OptimizerOptions& options) const {
  if (static_cast<const SGDOptions&>(options).momentum() != 0) return {"momentum_buffer"};
  return {};
}

void SGD::step() {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const SGDOptions&>(*group.options);
    for (const Tensor& param : group.params) {
      if (!param.grad().defined()) continue;
      // d_p is the gradient itself or a new tensor: .grad() is never written.
      Tensor d_p = param.grad();
      // d_p = g + weight_decay * p
      if (options.weight_decay() != 0) d_p = add(d_p, param, options.weight_decay());
      if (options.momentum() != 0) {
        ParamState& state = state_for(param);
        auto found = state.find("momentum_buffer");
        Tensor buffer;
        if (found == state.end()) {
          // The first step starts the buffer at d_p, without dampening.
          buffer = d_p.clone();
          state.emplace("momentum_buffer", buffer);
        } else {
          // buf = momentum * buf + (1 - dampening) * d_p
          buffer = found->second;
          buffer.mul_(options.momentum()).add_(d_p, 1 - options.dampening());
        }
        // Nesterov: d_p = d_p + momentum * buf; classical: d_p = buf.
        d_p = options.nesterov() ? add(d_p, buffer, options.momentum()) : buffer;
      }
      // p = p - lr * d_p
      param.add_(d_p, -options.lr());
    }
  }
}

}  // namespace tg::optim
