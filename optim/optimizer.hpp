#pragma once
// The optimizer base: parameter groups with per-group options, per-parameter state, zero_grad,
// and a flat state_dict that restores a run bit for bit. As torch.optim.Optimizer.
#include <concepts>
#include <cstdint>
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

namespace tg::optim {

/// Hyperparameters shared by every optimizer. Each optimizer derives its own options class
/// (SGDOptions, AdamOptions, ...) with chainable setters; this base gives schedulers one way to
/// read and change any optimizer's learning rate.
class OptimizerOptions {
 public:
  /// One hyperparameter under its PyTorch param_groups key, for state_dict/load_state_dict.
  struct Field {
    std::string_view name;
    std::variant<double*, bool*, std::tuple<double, double>*> value;
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
/// defaults (the optimizer fills them in when the group is added).
struct OptimizerParamGroup {
  tensor_list params;
  std::unique_ptr<OptimizerOptions> options;

  explicit OptimizerParamGroup(tensor_list params) : params(std::move(params)) {}
  OptimizerParamGroup(tensor_list params, std::unique_ptr<OptimizerOptions> options)
      : params(std::move(params)), options(std::move(options)) {}
  /// OptimizerParamGroup({w}, tg::optim::SGDOptions(0.1).momentum(0.9)).
  template <std::derived_from<OptimizerOptions> Options>
  OptimizerParamGroup(tensor_list params, const Options& options)
      : params(std::move(params)), options(options.clone()) {}

  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const { return options != nullptr; }
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

  /// One update of every parameter that has a gradient.
  virtual void step() = 0;

  /// Clears the gradients: sets them to undefined (PyTorch 2.x's default), or, with
  /// set_to_none = false, detaches and zeroes them in place.
  void zero_grad(bool set_to_none = true);

  /// Adds parameters (with their own options, or the defaults). Parameters must be leaves (or
  /// retain their grad) and may not already belong to a group.
  void add_param_group(const OptimizerParamGroup& group);

  std::vector<OptimizerParamGroup>& param_groups() { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const { return param_groups_; }
  const OptimizerOptions& defaults() const { return *defaults_; }
  /// Every parameter, group after group: state_dict numbers parameters in this order.
  tensor_list parameters() const;

  /// The state of a parameter, or null before its first update.
  const ParamState* state(const Tensor& param) const;

  /// The state as flat keys, each a copy: "state.<i>.<buffer>" for the i-th parameter (numbered
  /// across groups) and "param_groups.<g>.<key>" for each group's hyperparameters (0-d float64;
  /// betas is [2]; flags are 0 or 1) and "param_groups.<g>.params" (int64 parameter numbers).
  std::map<std::string, Tensor> state_dict() const;
  /// Restores what state_dict() returned, for an optimizer over parameters of the same shapes in
  /// the same groups, so that the next step() is bit-identical to the saved run's. Replaces every
  /// group's hyperparameters and the whole state; throws tg::Error (changing nothing) when a key
  /// is missing or unexpected, or a shape, dtype or value does not fit.
  void load_state_dict(const std::map<std::string, Tensor>& state_dict);

 protected:
  /// `defaults` is checked with validate(), then each group is added as by add_param_group.
  Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);

  /// The mutable state of a parameter (empty on its first update).
  ParamState& state_for(const Tensor& param) { return state_[param.impl()]; }

  /// The buffers a parameter's non-empty state holds under these group options; load_state_dict
  /// accepts exactly these.
  virtual std::vector<std::string> state_names(const OptimizerOptions& options) const = 0;

 private:
  std::vector<OptimizerParamGroup> param_groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  // Keyed by the parameter's TensorImpl: the groups hold the parameters, so the key stays valid.
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace tg::optim
