#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/optim/fused_update.hpp>
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
    const double lr = options.lr(), momentum = options.momentum(), dampening = options.dampening();
    const double weight_decay = options.weight_decay();
    const bool nesterov = options.nesterov();
    for (const Tensor& param : group.params) {
      if (!param.grad().defined()) continue;
      // PyTorch 1.13's _single_tensor_sgd, element by element; each operation rounds to the parameter's
      // dtype as the tensor ops did. .grad() is never written.
      Tensor buffer;
      bool first_step = false;
      if (momentum != 0) {
        ParamState& state = state_for(param);
        first_step = !state.contains("momentum_buffer");
        // The first step starts the buffer at d_p, without dampening.
        if (first_step)
          state.emplace("momentum_buffer", tg::detail::make_contiguous(param.sizes(), param.dtype()));
        buffer = fused::contiguous_buffer(state, "momentum_buffer", param, "SGD");
      }
      fused::update_parameter(param, "SGD", [&]<class T>(T* p, const T* g) {
        T* buf = buffer.defined() ? buffer.data_ptr<T>() : nullptr;
        fused::for_each_index(param.numel(), [=](std::int64_t i) {
          // d_p = g + weight_decay * p
          T d_p = weight_decay != 0 ? static_cast<T>(g[i] + weight_decay * p[i]) : g[i];
          if (buf != nullptr) {
            // buf = momentum * buf + (1 - dampening) * d_p
            const T b =
                first_step ? d_p : static_cast<T>(static_cast<T>(buf[i] * momentum) + (1 - dampening) * d_p);
            buf[i] = b;
            // Nesterov: d_p = d_p + momentum * buf; classical: d_p = buf.
            d_p = nesterov ? static_cast<T>(d_p + momentum * b) : b;
          }
          // p = p - lr * d_p
          p[i] = static_cast<T>(p[i] + -lr * d_p);
        });
      });
      if (buffer.defined()) buffer.impl()->storage->bump_version();
    }
  }
}

}  // namespace tg::optim
