#pragma once
// The optimizer base: parameter groups with per-group options, per-parameter state, zero_grad,
// and a flat state_dict that restores a run bit for bit. As torch.optim.Optimizer.
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// Hyperparameters shared by every optimizer. Each optimizer derives its own options class
/// (SGDOptions, AdamOptions, ...) with chainable setters; this base gives schedulers one way to
/// read and change any optimizer's learning rate.
class OptimizerOptions {
 public:
  /// One hyperparameter under its PyTorch param_groups key, for state_dict/load_state_dict.
  struct Field {
    std::string_view name;
    std::variant<double*, bool*, std::tuple<double, double>*, std::int64_t*> value;
  };

  explicit OptimizerOptions(double lr) : lr_(lr) {}
  virtual ~OptimizerOptions() = default;

  double lr() const { return lr_; }
  OptimizerOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  /// libtorch's names for lr() and lr(value).
  double get_lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }

  /// The lr the first LR scheduler found (PyTorch's group["initial_lr"]); later schedulers on the
  /// same optimizer take their base lrs from it.
  std::optional<double> initial_lr() const { return initial_lr_; }
  void set_initial_lr(std::optional<double> initial_lr) { initial_lr_ = initial_lr; }

  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  /// The optimizer these options belong to ("SGD", "Adam", ...), for error messages.
  virtual std::string_view optimizer_name() const = 0;
  /// Throws tg::Error naming the optimizer when a value is out of range (PyTorch's constructor checks).
  virtual void validate() const = 0;
  /// Every hyperparameter, lr first; the pointers refer into this object.
  virtual std::vector<Field> fields() = 0;

 protected:
  OptimizerOptions(const OptimizerOptions&) = default;
  OptimizerOptions& operator=(const OptimizerOptions&) = default;

  double lr_;
  std::optional<double> initial_lr_;
};

/// Parameters optimized with the same options. Without options, the group uses the optimizer's
/// defaults (the optimizer fills them in when the group is added). As libtorch, params() and
/// options() are accessors and a tensor list converts to a group implicitly.
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(tensor_list params) : params_(std::move(params)) {}
  OptimizerParamGroup(tensor_list params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  /// OptimizerParamGroup({w}, tg::optim::SGDOptions(0.1).momentum(0.9)).
  template <std::derived_from<OptimizerOptions> Options>
  OptimizerParamGroup(tensor_list params, const Options& options)
      : params_(std::move(params)), options_(options.clone()) {}

  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const { return options_ != nullptr; }
  /// The group's options; cast to the optimizer's own class to read the rest, as in libtorch:
  /// static_cast<SGDOptions&>(group.options()).momentum(). Throws tg::Error without options.
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  tensor_list& params() { return params_; }
  const tensor_list& params() const { return params_; }

 private:
  tensor_list params_;
  std::unique_ptr<OptimizerOptions> options_;
};

/// Named per-parameter buffers, under PyTorch's names (momentum_buffer, exp_avg, exp_avg_sq,
/// max_exp_avg_sq, square_avg, grad_avg, and step as a 0-d float64 tensor).
using ParamState = std::map<std::string, Tensor>;

/// The base of every optimizer. step() reads each parameter's .grad() (never writes it), skips
/// parameters without a gradient, and updates parameters and state in place under NoGradGuard.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// A function that recomputes the loss (zero_grad, forward, backward) and returns it.
  using LossClosure = std::function<Tensor()>;

  /// One update of every parameter that has a gradient. With a closure, it is called first (with
  /// gradients enabled) and its loss returned; without one, the result is an undefined tensor.
  /// LBFGS requires the closure, since it evaluates the loss several times per step.
  virtual Tensor step(LossClosure closure = nullptr) = 0;

  /// Clears the gradients as libtorch 1.13's zero_grad(): detaches them from any graph and zeroes
  /// them in place. With set_to_none = true (PyTorch 2.x's default) they become undefined instead.
  void zero_grad(bool set_to_none = false);

  /// Adds parameters (with their own options, or the defaults). Parameters must be leaves (or
  /// retain their grad) and may not already belong to a group.
  void add_param_group(const OptimizerParamGroup& group);

  /// Adds parameters to the first group (libtorch's add_parameters).
  void add_parameters(const tensor_list& params);

  std::vector<OptimizerParamGroup>& param_groups() { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const { return param_groups_; }
  OptimizerOptions& defaults() { return *defaults_; }
  const OptimizerOptions& defaults() const { return *defaults_; }
  /// Every parameter, group after group: state_dict numbers parameters in this order.
  tensor_list parameters() const;
  /// The number of parameters over all groups.
  std::size_t size() const;

  /// The state of a parameter, or null before its first update.
  const ParamState* state(const Tensor& param) const;
  /// Every parameter's state, keyed by the parameter's TensorImpl.
  const std::unordered_map<const TensorImpl*, ParamState>& state() const { return state_; }

  /// The state as flat keys, each a copy: "state.<i>.<buffer>" for the i-th parameter (numbered
  /// across groups) and "param_groups.<g>.<key>" for each group's hyperparameters (0-d float64;
  /// betas is [2]; flags are 0 or 1) and "param_groups.<g>.params" (int64 parameter numbers).
  /// Optimizers with state outside the per-parameter buffers (LBFGS) add it here.
  virtual std::map<std::string, Tensor> state_dict() const;
  /// Restores what state_dict() returned, for an optimizer over parameters of the same shapes in
  /// the same groups, so that the next step() is bit-identical to the saved run's. Replaces every
  /// group's hyperparameters and the whole state; throws tg::Error (changing nothing) when a key
  /// is missing or unexpected, or a shape, dtype or value does not fit.
  virtual void load_state_dict(const std::map<std::string, Tensor>& state_dict);

 protected:
  /// `defaults` is checked with validate(), then each group is added as by add_param_group.
  Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);

  /// Runs the closure (if any) with gradients enabled and returns its loss.
  static Tensor evaluate_closure(const LossClosure& closure);

  /// The mutable state of a parameter (empty on its first update).
  ParamState& state_for(const Tensor& param) { return state_[tg::detail::impl_of(param)]; }

  /// The buffers a parameter's non-empty state holds under these group options; load_state_dict
  /// accepts exactly these.
  virtual std::vector<std::string> state_names(const OptimizerOptions& options) const = 0;
  /// Whether the buffer is a 0-d float64 scalar (as step) rather than a tensor of the parameter's
  /// shape and dtype.
  virtual bool is_scalar_state(const std::string& name) const { return name == "step"; }

 private:
  /// Throws unless every parameter can be optimized and none is already in a group.
  void check_new_params(const tensor_list& params, std::size_t group_index) const;

  std::vector<OptimizerParamGroup> param_groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  // Keyed by the parameter's TensorImpl: the groups hold the parameters, so the key stays valid.
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace tg::optim

#pragma GCC visibility pop
