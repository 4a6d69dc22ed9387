#pragma once
// Learning-rate schedulers, as torch.optim.lr_scheduler: each epoch, call optimizer.step() and
// then scheduler.step(). Constructing a scheduler already sets the epoch-0 learning rates.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tapegrad/optim/optimizer.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::optim {

/// The base of every scheduler. It changes the lr of each of the optimizer's parameter groups;
/// base_lrs are the groups' lrs when the first scheduler was attached (their "initial_lr").
/// A scheduler keeps a reference to its optimizer, which must outlive it.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one epoch and writes the new lrs into the optimizer's parameter groups.
  void step();
  /// The lrs the last step (or the constructor) set, one per parameter group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// 0 after construction, +1 per step().
  std::int64_t last_epoch() const { return last_epoch_; }

  /// "last_epoch" and "step_count" (0-d int64), "base_lrs" and "last_lr" (1-d float64), plus what
  /// a scheduler tracks beyond them (CosineAnnealingWarmRestarts: "T_cur", "T_i"; SequentialLR and
  /// ChainedScheduler: each of their schedulers' keys under "_schedulers.<i>."). The constructor
  /// arguments (gamma, milestones, ...) are not part of it: rebuild the scheduler the same way,
  /// load the optimizer's state_dict, then this one.
  virtual std::map<std::string, Tensor> state_dict() const;
  /// Restores state_dict(), all or nothing; throws tg::Error when a key is missing or unexpected,
  /// or the group count differs.
  void load_state_dict(const std::map<std::string, Tensor>& state_dict);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  /// PyTorch's _initial_step: every derived constructor ends with it (a base constructor cannot
  /// call get_lr()). It performs the epoch-0 step.
  void initial_step();
  /// The lrs for last_epoch(), one per parameter group. Chainable schedulers derive them from
  /// the groups' current lrs (current_lrs()), as PyTorch's get_lr().
  virtual std::vector<double> get_lr() = 0;
  std::vector<double> current_lrs() const;
  /// Moves to the next epoch before get_lr() (CosineAnnealingWarmRestarts also tracks its cycle).
  virtual void advance() { ++last_epoch_; }

  /// PyTorch's deprecated step(epoch), which SequentialLR still uses (as step(0)) at a
  /// milestone: jumps to `epoch` and uses closed_form_lr() where the scheduler has one.
  void step_to_epoch(std::int64_t epoch);
  /// PyTorch's _get_closed_form_lr: the lrs at last_epoch() from base_lrs alone.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  /// Sets last_epoch() for step_to_epoch() (CosineAnnealingWarmRestarts also moves its cycle).
  virtual void jump_to_epoch(std::int64_t epoch) { last_epoch_ = epoch; }
  /// Writes lrs into the optimizer's groups and records them as get_last_lr().
  void apply_lrs(const std::vector<double>& lrs);

  /// Checks `state_dict` and returns the change that loads it, which cannot fail: a scheduler that
  /// holds others checks all of their states before any of them changes.
  virtual std::function<void()> prepare_load(const std::map<std::string, Tensor>& state_dict);

  friend class SequentialLR;
  friend class ChainedScheduler;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::int64_t last_epoch_ = -1;
  std::int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

/// lr = lr * gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// lr = lr * gamma^k at each milestone epoch listed k times.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, const std::vector<std::int64_t>& milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::map<std::int64_t, int> milestones_;  // epoch -> how often it is listed (PyTorch's Counter)
  double gamma_;
};

/// lr = lr * gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double gamma_;
};

/// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, PyTorch's closed form
/// (periodic past T_max). NOTE: torch's step() computes the same values recursively from the
/// current lr; they agree to rounding unless another scheduler also changes the lr, which this
/// closed form ignores.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t T_max_;
  double eta_min_;
};

/// Linear warmup: the lr factor goes from start_factor (epoch 0) to end_factor (epoch
/// total_iters) and stays there.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           std::int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double start_factor_;
  double end_factor_;
  std::int64_t total_iters_;
};

/// lr = base_lr * lr_lambda(epoch), one function for every group or one per group.
class LambdaLR : public LRScheduler {
 public:
  using LambdaFn = std::function<double(std::int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, LambdaFn lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<LambdaFn> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LambdaFn> lr_lambdas_;
};

/// lr = base_lr * (1 - min(epoch, total_iters) / total_iters)^power.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t total_iters_;
  double power_;
};

/// SGDR: cosine annealing from base_lr to eta_min over T_i epochs, then a restart, with
/// T_i = T_0 * T_mult^(restarts so far).
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult = 1,
                              double eta_min = 0);

 protected:
  std::vector<double> get_lr() override;
  void advance() override;
  void jump_to_epoch(std::int64_t epoch) override;

 public:
  /// The base's keys plus "T_cur" and "T_i" (0-d int64): the position in the current cycle and its length.
  std::map<std::string, Tensor> state_dict() const override;

 protected:
  std::function<void()> prepare_load(const std::map<std::string, Tensor>& state_dict) override;

 private:
  std::int64_t T_0_, T_mult_;
  double eta_min_;
  std::int64_t T_i_;
  std::int64_t T_cur_ = -1;
};

/// The 1cycle policy, as torch.optim.lr_scheduler.OneCycleLR, stepped after every batch: the lr
/// anneals from max_lr / div_factor up to max_lr over the first pct_start of total_steps, then
/// down to max_lr / div_factor / final_div_factor (three_phase: back to the initial lr first,
/// then down). With cycle_momentum the momentum (SGD, RMSprop) or beta1 (Adam, AdamW, Adamax,
/// NAdam, RAdam) anneals the opposite way between max_momentum and base_momentum.
struct OneCycleLROptions {
  /// One max_lr per parameter group, or a single one for all of them (so are the momentums).
  std::vector<double> max_lr;
  /// total_steps, or else epochs * steps_per_epoch.
  std::optional<std::int64_t> total_steps;
  std::optional<std::int64_t> epochs;
  std::optional<std::int64_t> steps_per_epoch;
  double pct_start = 0.3;
  /// "cos" or "linear".
  std::string anneal_strategy = "cos";
  bool cycle_momentum = true;
  std::vector<double> base_momentum = {0.85};
  std::vector<double> max_momentum = {0.95};
  double div_factor = 25.;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  /// The common call: one max_lr for every group and total_steps.
  OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps);
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  /// Throws tg::Error once stepped past total_steps (PyTorch's "Tried to step ... times").
  std::vector<double> get_lr() override;

 private:
  enum class LrLevel { initial, max, min };
  /// A phase anneals from its start to its end level until end_step (a fraction of a step, as
  /// PyTorch's float(pct_start * total_steps) - 1).
  struct Phase {
    double end_step;
    LrLevel start_lr, end_lr;
    bool momentum_starts_high, momentum_ends_high;
  };
  double lr_of(LrLevel level, std::size_t group) const;
  double momentum_of(bool high, std::size_t group) const;
  double anneal(double start, double end, double pct) const;
  void set_momentum(std::size_t group, double momentum);

  std::int64_t total_steps_;
  bool cosine_;
  bool cycle_momentum_;
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_;
  std::vector<double> base_momentums_, max_momentums_;
};

/// Runs `schedulers` one after the other, switching at each milestone epoch, as
/// torch.optim.lr_scheduler.SequentialLR (PyTorch 1.13): at a milestone the next scheduler
/// restarts from epoch 0 (its closed form at epoch 0, i.e. PyTorch's scheduler.step(0)).
/// The schedulers must be built on `optimizer` just before; SequentialLR undoes their initial steps.
/// state_dict() holds SequentialLR's counters and each scheduler's under "_schedulers.<i>.".
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones);
  std::map<std::string, Tensor> state_dict() const override;

 protected:
  std::vector<double> get_lr() override;
  std::function<void()> prepare_load(const std::map<std::string, Tensor>& state_dict) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

/// Steps every scheduler each step(), as torch.optim.lr_scheduler.ChainedScheduler: the
/// chainable schedulers' factors multiply. get_last_lr() is the groups' lr after all of them.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  /// ChainedScheduler's counters and each scheduler's state under "_schedulers.<i>.".
  std::map<std::string, Tensor> state_dict() const override;

 protected:
  std::vector<double> get_lr() override;
  std::function<void()> prepare_load(const std::map<std::string, Tensor>& state_dict) override;

 private:
  /// The optimizer all schedulers share (checked before the base is constructed from it).
  static Optimizer& common_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers);

  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

/// Multiplies the lrs by `factor` once the metric passed to step() has not improved for more than
/// `patience` epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau (named as libtorch 2.x's
/// ReduceLROnPlateauScheduler). Not an LRScheduler: it needs the metric.
class ReduceLROnPlateauScheduler {
 public:
  enum SchedulerMode { min, max };
  enum ThresholdMode { rel, abs };

  /// min_lr holds one lower bound for every group, or a single one for all of them.
  ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min, double factor = 0.1,
                             std::int64_t patience = 10, double threshold = 1e-4,
                             ThresholdMode threshold_mode = rel, std::int64_t cooldown = 0,
                             const std::vector<double>& min_lr = {0.0}, double eps = 1e-8);

  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double value) const;

  Optimizer& optimizer_;
  SchedulerMode mode_;
  double factor_;
  std::int64_t patience_;
  double threshold_;
  ThresholdMode threshold_mode_;
  std::int64_t cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  std::int64_t num_bad_epochs_ = 0;
  std::int64_t cooldown_counter_ = 0;
  std::int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

using ReduceLROnPlateau = ReduceLROnPlateauScheduler;

}  // namespace tg::optim

#pragma GCC visibility pop
