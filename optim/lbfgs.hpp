#pragma once
// L-BFGS with an optional strong-Wolfe line search, as torch.optim.LBFGS: each step(closure) runs
// up to max_iter quasi-Newton iterations over all parameters flattened into one vector.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// LBFGSOptions(1).max_iter(20).max_eval(25).tolerance_grad(1e-7).tolerance_change(1e-9)
/// .history_size(100).line_search_fn("strong_wolfe"). Without max_eval, it is max_iter * 5 / 4.
class LBFGSOptions : public OptimizerOptions {
 public:
  LBFGSOptions(double lr = 1) : OptimizerOptions(lr) {}

  using OptimizerOptions::lr;
  LBFGSOptions& lr(double lr) {
    lr_ = lr;
    return *this;
  }
  std::int64_t max_iter() const { return max_iter_; }
  LBFGSOptions& max_iter(std::int64_t max_iter) {
    max_iter_ = max_iter;
    return *this;
  }
  const std::optional<std::int64_t>& max_eval() const { return max_eval_; }
  LBFGSOptions& max_eval(std::optional<std::int64_t> max_eval) {
    max_eval_ = max_eval;
    return *this;
  }
  double tolerance_grad() const { return tolerance_grad_; }
  LBFGSOptions& tolerance_grad(double tolerance_grad) {
    tolerance_grad_ = tolerance_grad;
    return *this;
  }
  double tolerance_change() const { return tolerance_change_; }
  LBFGSOptions& tolerance_change(double tolerance_change) {
    tolerance_change_ = tolerance_change;
    return *this;
  }
  std::int64_t history_size() const { return history_size_; }
  LBFGSOptions& history_size(std::int64_t history_size) {
    history_size_ = history_size;
    return *this;
  }
  const std::optional<std::string>& line_search_fn() const { return line_search_fn_; }
  LBFGSOptions& line_search_fn(std::optional<std::string> line_search_fn) {
    line_search_fn_ = std::move(line_search_fn);
    return *this;
  }

  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<LBFGSOptions>(*this); }
  std::string_view optimizer_name() const override { return "LBFGS"; }
  /// lr and the tolerances must be >= 0, max_iter and history_size > 0, max_eval (if set) > 0,
  /// line_search_fn (if set) "strong_wolfe".
  void validate() const override;
  /// lr, max_iter, tolerance_grad, tolerance_change and history_size (max_eval and
  /// line_search_fn are not numbers and stay as constructed).
  std::vector<Field> fields() override;

 private:
  std::int64_t max_iter_ = 20;
  std::optional<std::int64_t> max_eval_;
  double tolerance_grad_ = 1e-7;
  double tolerance_change_ = 1e-9;
  std::int64_t history_size_ = 100;
  std::optional<std::string> line_search_fn_;
};

/// One parameter group only (PyTorch's restriction). The curvature history carries over from step
/// to step and is part of state_dict() under PyTorch's names for the first parameter's state
/// ("state.0.d", "state.0.old_dirs", ...), so a restored optimizer continues a run bit for bit.
/// step() computes in float64 whatever the parameters' dtype.
class LBFGS : public Optimizer {
 public:
  LBFGS(const tensor_list& params, const LBFGSOptions& defaults = LBFGSOptions());
  LBFGS(const std::vector<OptimizerParamGroup>& param_groups, const LBFGSOptions& defaults = LBFGSOptions());

  /// The closure must zero the gradients, compute the loss, call backward() and return the loss;
  /// step() calls it up to max_eval times and returns the loss of its first call.
  Tensor step(LossClosure closure) override;

  /// Closure calls and iterations over all steps so far (PyTorch's state func_evals / n_iter).
  std::int64_t func_evals() const { return func_evals_; }
  std::int64_t n_iter() const { return n_iter_; }

  /// The base's keys plus, once step() has run, "state.0.<name>" for func_evals and n_iter (0-d
  /// int64), t, H_diag and prev_loss (0-d float64), d and prev_flat_grad ([n] float64, n the
  /// parameters' total size), old_dirs and old_stps ([history, n]) and ro ([history]).
  std::map<std::string, Tensor> state_dict() const override;
  /// Restores state_dict() (all or nothing); without "state.0.*" keys the history starts afresh.
  void load_state_dict(const std::map<std::string, Tensor>& state_dict) override;

 protected:
  std::vector<std::string> state_names(const OptimizerOptions& options) const override;

 private:
  using Vector = std::vector<double>;
  struct History;

  Vector gather_flat_grad() const;
  std::size_t flat_size() const;
  History parse_history(const std::map<std::string, Tensor>& entries, const std::string& op) const;
  void add_to_params(double step_size, const Vector& direction);
  tensor_list clone_params() const;
  void set_params(const tensor_list& values);
  /// The loss and flat gradient at params + t * direction; the parameters are restored after.
  double directional_evaluate(const LossClosure& closure, const tensor_list& origin, double t,
                              const Vector& direction, Vector& grad);

  std::int64_t func_evals_ = 0;
  std::int64_t n_iter_ = 0;
  Vector direction_;
  double t_ = 0;
  std::deque<Vector> old_dirs_, old_steps_;
  std::deque<double> ro_;
  double h_diag_ = 1;
  std::optional<Vector> prev_flat_grad_;
  double prev_loss_ = 0;
};

}  // namespace tg::optim

#pragma GCC visibility pop
