#pragma once
// Learning-rate schedulers, as torch.optim.lr_scheduler: each epoch, call optimizer.step() and
// then scheduler.step(). Constructing a scheduler already sets the epoch-0 learning rates.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tapegrad/optim/optimizer.hpp>

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

  /// "last_epoch" and "step_count" (0-d int64), "base_lrs" and "last_lr" (1-d float64). The
  /// constructor arguments (gamma, milestones, ...) are not part of it: rebuild the scheduler the
  /// same way, load the optimizer's state_dict, then this one.
  std::map<std::string, Tensor> state_dict() const;
  /// Restores state_dict(); throws tg::Error when a key is missing or the group count differs.
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

 private:
  double start_factor_;
  double end_factor_;
  std::int64_t total_iters_;
};

}  // namespace tg::optim
