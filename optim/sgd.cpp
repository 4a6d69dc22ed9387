#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/optim/fused_update.hpp>
#include <tapegrad/optim/sgd.hpp>

namespace tg::optim {

void SGDOptions::validate() const {
  check(lr_ >= 0, "SGD", "Invalid learning rate: ", lr_, " (it must be >= 0)");
  check(momentum_ >= 0, "SGD", "Invalid momentum value: ", momentum_, " (it must be >= 0)");
  check(weight_decay_ >= 0, "SGD", "Invalid weight_decay value: ", weight_decay_, " (it must be >= 0)");
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

namespace {

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov;
};

// PyTorch 1.13's _single_tensor_sgd, element by element. buffer is null without momentum; on the first
// step it is written, not read.
template <class T>
void sgd_kernel(T* param, const T* grad, T* buffer, std::int64_t n, const SgdHyper h, const bool first_step) {
  // Constants in T, as PyTorch's kernels cast scalars to the tensor's dtype (float64 is unchanged).
  const T neg_lr = static_cast<T>(-h.lr), momentum = static_cast<T>(h.momentum);
  const T one_minus_dampening = static_cast<T>(1 - h.dampening),
          weight_decay = static_cast<T>(h.weight_decay);
  const bool nesterov = h.nesterov, decay = h.weight_decay != 0;
  if (buffer == nullptr) {
    kernels::parallel_for(n, n >= kernels::kParallelThreshold, [=](std::int64_t i) {
      // d_p = g + weight_decay * p; p = p - lr * d_p
      const T d_p = decay ? grad[i] + weight_decay * param[i] : grad[i];
      param[i] = param[i] + neg_lr * d_p;
    });
    return;
  }
  kernels::parallel_for(n, n >= kernels::kParallelThreshold, [=](std::int64_t i) {
    T d_p = decay ? grad[i] + weight_decay * param[i] : grad[i];
    // buf = momentum * buf + (1 - dampening) * d_p; the first step starts it at d_p, without dampening.
    const T b = first_step ? d_p : buffer[i] * momentum + one_minus_dampening * d_p;
    buffer[i] = b;
    // Nesterov: d_p = d_p + momentum * buf; classical: d_p = buf.
    d_p = nesterov ? d_p + momentum * b : b;
    param[i] = param[i] + neg_lr * d_p;
  });
}

}  // namespace

std::vector<std::string> SGD::state_names(const OptimizerOptions& options) const {
  if (static_cast<const SGDOptions&>(options).momentum() != 0) return {"momentum_buffer"};
  return {};
}

Tensor SGD::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : param_groups()) {
    const auto& options = static_cast<const SGDOptions&>(group.options());
    const SgdHyper hyper{options.lr(), options.momentum(), options.dampening(), options.weight_decay(),
                         options.nesterov()};
    for (const Tensor& param : group.params()) {
      if (!param.grad().defined()) continue;
      Tensor buffer;
      bool first_step = false;
      if (hyper.momentum != 0) {
        ParamState& state = state_for(param);
        first_step = !state.contains("momentum_buffer");
        if (first_step)
          state.emplace("momentum_buffer", tg::detail::make_contiguous(param.sizes(), param.dtype()));
        buffer = fused::contiguous_buffer(state, "momentum_buffer", param, "SGD");
      }
      // .grad() is read, never written.
      fused::update_parameter(param, "SGD", [&]<class T>(T* p, const T* g) {
        sgd_kernel(p, g, buffer.defined() ? buffer.data_ptr<T>() : nullptr, param.numel(), hyper, first_step);
      });
      if (buffer.defined()) tg::detail::impl_of(buffer)->storage->bump_version();
    }
  }
  return loss;
}

}  // namespace tg::optim
