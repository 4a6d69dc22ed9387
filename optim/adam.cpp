#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/adam.hpp>
#include <tapegrad/optim/fused_update.hpp>
#include <tapegrad/optim/validate_betas.hpp>

namespace tg::optim {
namespace {

// The hyperparameters Adam and AdamW share, read from either options class.
struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, decoupled_weight_decay;
  std::string_view optimizer_name;
};

std::vector<std::string> adam_state_names(bool amsgrad) {
  if (amsgrad) return {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"step", "exp_avg", "exp_avg_sq"};
}

// The per-step constants of one Adam/AdamW update.
struct AdamStep {
  double beta1, beta2, eps;
  double step_size;              // lr / (1 - beta1^t)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  double decay_factor;           // AdamW: 1 - lr * weight_decay
  double l2;                     // Adam: weight_decay (0 for AdamW)
  bool decoupled;
};

// PyTorch 1.13's _single_tensor_adam / _single_tensor_adamw element by element. v_max is null without
// amsgrad.
template <class T>
void adam_kernel(T* param, const T* grad, T* m, T* v, T* v_max, std::int64_t n, const AdamStep s) {
  // Every constant in T, as PyTorch's kernels cast scalars to the tensor's dtype: the float32 loop then
  // runs on full-width float vectors (with double intermediates it was compute-bound); float64 is unchanged.
  const T beta1 = static_cast<T>(s.beta1), one_minus_beta1 = static_cast<T>(1 - s.beta1);
  const T beta2 = static_cast<T>(s.beta2), one_minus_beta2 = static_cast<T>(1 - s.beta2);
  const T eps = static_cast<T>(s.eps), step_size = static_cast<T>(s.step_size);
  const T bias_correction2_sqrt = static_cast<T>(s.bias_correction2_sqrt);
  const T decay_factor = static_cast<T>(s.decay_factor), l2 = static_cast<T>(s.l2);
  const bool decoupled = s.decoupled, amsgrad = v_max != nullptr;
  kernels::parallel_for(n, n >= kernels::kParallelThreshold, [=](std::int64_t i) {
    T g = grad[i];
    T p = param[i];
    // AdamW: p = p * (1 - lr * weight_decay), applied before the moments are updated.
    // Adam (L2): g = g + weight_decay * p.
    if (decoupled)
      p = p * decay_factor;
    else if (l2 != 0)
      g = g + l2 * p;
    // m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g^2
    const T first = m[i] * beta1 + one_minus_beta1 * g;
    const T second = v[i] * beta2 + one_minus_beta2 * (g * g);
    m[i] = first;
    v[i] = second;
    T moment = second;
    if (amsgrad) {
      // AMSGrad: v_max = max(v_max, v) (NaN propagates, as torch.maximum), used in the denominator.
      const T previous = v_max[i];
      moment = (previous != previous || previous > second) ? previous : second;
      v_max[i] = moment;
    }
    // denom = sqrt(v) / sqrt(1 - beta2^t) + eps; p = p - lr / (1 - beta1^t) * m / denom
    const T denom = std::sqrt(moment) / bias_correction2_sqrt + eps;
    param[i] = p - step_size * (first / denom);
  });
}

// One Adam/AdamW update of `param` (PyTorch 1.13's _single_tensor_adam / _single_tensor_adamw), in one
// pass over the parameter, its gradient and its moments; each operation rounds to the parameter's dtype
// as the tensor ops did.
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
  step_count.add_(1.0);
  const double step = step_count.item<double>();
  const Tensor exp_avg = fused::contiguous_buffer(state, "exp_avg", param, h.optimizer_name);
  const Tensor exp_avg_sq = fused::contiguous_buffer(state, "exp_avg_sq", param, h.optimizer_name);
  const Tensor max_exp_avg_sq =
      h.amsgrad ? fused::contiguous_buffer(state, "max_exp_avg_sq", param, h.optimizer_name) : Tensor();

  const AdamStep constants{h.beta1,
                           h.beta2,
                           h.eps,
                           h.lr / (1 - std::pow(h.beta1, step)),
                           std::sqrt(1 - std::pow(h.beta2, step)),
                           1 - h.lr * h.weight_decay,
                           h.decoupled_weight_decay ? 0.0 : h.weight_decay,
                           h.decoupled_weight_decay};
  fused::update_parameter(param, h.optimizer_name, [&]<class T>(T* p, const T* g) {
    adam_kernel(p, g, exp_avg.data_ptr<T>(), exp_avg_sq.data_ptr<T>(),
                max_exp_avg_sq.defined() ? max_exp_avg_sq.data_ptr<T>() : nullptr, param.numel(), constants);
  });
  for (const Tensor& buffer : {exp_avg, exp_avg_sq, max_exp_avg_sq})
    if (buffer.defined()) tg::detail::impl_of(buffer)->storage->bump_version();
}

// Adam and AdamW differ only in how weight decay enters the update.
template <class Options, class StateFor>
void adam_step(const std::vector<OptimizerParamGroup>& groups, bool decoupled_weight_decay,
               StateFor state_for) {
  NoGradGuard no_grad;
  for (const OptimizerParamGroup& group : groups) {
    const auto& options = static_cast<const Options&>(group.options());
    const AdamHyper hyper{options.lr(),           std::get<0>(options.betas()), std::get<1>(options.betas()),
                          options.eps(),          options.weight_decay(),       options.amsgrad(),
                          decoupled_weight_decay, options.optimizer_name()};
    for (const Tensor& param : group.params())
      if (param.grad().defined()) adam_update(param, state_for(param), hyper);
  }
}

}  // namespace

void AdamOptions::validate() const { detail::validate_betas_eps_decay(*this); }
void AdamWOptions::validate() const { detail::validate_betas_eps_decay(*this); }

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

Tensor Adam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  adam_step<AdamOptions>(param_groups(), false,
                         [this](const Tensor& p) -> ParamState& { return state_for(p); });
  return loss;
}

AdamW::AdamW(const tensor_list& params, const AdamWOptions& defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(params)}, defaults) {}

AdamW::AdamW(const std::vector<OptimizerParamGroup>& param_groups, const AdamWOptions& defaults)
    : Optimizer(param_groups, defaults.clone()) {}

std::vector<std::string> AdamW::state_names(const OptimizerOptions& options) const {
  return adam_state_names(static_cast<const AdamWOptions&>(options).amsgrad());
}

Tensor AdamW::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  adam_step<AdamWOptions>(param_groups(), true,
                          [this](const Tensor& p) -> ParamState& { return state_for(p); });
  return loss;
}

}  // namespace tg::optim
