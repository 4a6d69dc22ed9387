#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/lr_scheduler.hpp>

namespace tg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  // As PyTorch: the first scheduler records each group's lr as its initial_lr; later ones reuse it.
  for (OptimizerParamGroup& group : optimizer_.param_groups()) {
    if (!group.options().initial_lr()) group.options().set_initial_lr(group.options().lr());
    base_lrs_.push_back(*group.options().initial_lr());
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> lrs;
  for (const OptimizerParamGroup& group : optimizer_.param_groups()) lrs.push_back(group.options().lr());
  return lrs;
}

void LRScheduler::step() {
  ++step_count_;
  advance();
  const std::vector<double> lrs = get_lr();
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  // zip() in PyTorch: groups added after the scheduler was built keep their lr.
  for (std::size_t g = 0; g < groups.size() && g < lrs.size(); ++g) groups[g].options().lr(lrs[g]);
  last_lr_ = current_lrs();
}

std::map<std::string, Tensor> LRScheduler::state_dict() const {
  const auto vector_tensor = [](const std::vector<double>& values) {
    return tensor(values, {static_cast<std::int64_t>(values.size())}, kFloat64);
  };
  return {{"last_epoch", scalar_tensor(static_cast<double>(last_epoch_), kInt64)},
          {"step_count", scalar_tensor(static_cast<double>(step_count_), kInt64)},
          {"base_lrs", vector_tensor(base_lrs_)},
          {"last_lr", vector_tensor(last_lr_)}};
}

void LRScheduler::load_state_dict(const std::map<std::string, Tensor>& state_dict) {
  const std::string op = "LRScheduler.load_state_dict";
  for (const auto& [key, value] : state_dict)
    check(key == "last_epoch" || key == "step_count" || key == "base_lrs" || key == "last_lr", op,
          "unexpected key '", key, "'; expected last_epoch, step_count, base_lrs and last_lr");
  const auto get = [&](const std::string& key) -> const Tensor& {
    auto it = state_dict.find(key);
    check(it != state_dict.end() && it->second.defined(), op, "missing key '", key, "'");
    return it->second;
  };
  const auto get_lrs = [&](const std::string& key) {
    const Tensor& value = get(key);
    check(value.dim() == 1, op, "'", key, "' must be a 1-d tensor, got shape ", value.sizes());
    check(value.size(0) == static_cast<std::int64_t>(base_lrs_.size()), op, "'", key, "' holds ",
          value.size(0), " lrs but the optimizer had ", base_lrs_.size(),
          " parameter groups when the scheduler was built");
    return value.to_vector<double>();
  };
  const auto get_count = [&](const std::string& key) {
    const Tensor& value = get(key);
    check(value.dim() == 0, op, "'", key, "' must be a 0-d tensor, got shape ", value.sizes());
    return value.item<std::int64_t>();
  };
  std::vector<double> base_lrs = get_lrs("base_lrs");
  std::vector<double> last_lr = get_lrs("last_lr");
  const std::int64_t last_epoch = get_count("last_epoch");
  const std::int64_t step_count = get_count("step_count");
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(last_lr);
  last_epoch_ = last_epoch;
  step_count_ = step_count;
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check(step_size > 0, "StepLR", "step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  // lr = lr * gamma at every multiple of step_size (not at epoch 0).
  if (last_epoch_ != 0 && last_epoch_ % step_size_ == 0)
    for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, const std::vector<std::int64_t>& milestones, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  for (std::int64_t milestone : milestones) ++milestones_[milestone];
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  // lr = lr * gamma^(times this epoch is listed)
  if (auto it = milestones_.find(last_epoch_); it != milestones_.end())
    for (double& lr : lrs) lr *= std::pow(gamma_, it->second);
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  // lr = lr * gamma (from epoch 1 on)
  if (last_epoch_ != 0)
    for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  check(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  // lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2
  const double cosine =
      1 + std::cos(std::numbers::pi * static_cast<double>(last_epoch_) / static_cast<double>(T_max_));
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) lrs.push_back(eta_min_ + (base_lr - eta_min_) * cosine / 2);
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  check(start_factor > 0 && start_factor <= 1, "LinearLR", "start_factor must be in (0, 1], got ",
        start_factor);
  check(end_factor >= 0 && end_factor <= 1, "LinearLR", "end_factor must be in [0, 1], got ", end_factor);
  check(total_iters >= 0, "LinearLR", "total_iters must be >= 0, got ", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) {
    // lr = lr * start_factor
    for (double& lr : lrs) lr *= start_factor_;
  } else if (last_epoch_ <= total_iters_) {
    // lr = lr * (1 + (end - start) / (total * start + (epoch - 1) * (end - start))): the ratio of
    // consecutive factors start + (end - start) * epoch / total.
    const double delta = end_factor_ - start_factor_;
    const double ratio = 1. + delta / (static_cast<double>(total_iters_) * start_factor_ +
                                       static_cast<double>(last_epoch_ - 1) * delta);
    for (double& lr : lrs) lr *= ratio;
  }
  return lrs;
}

LambdaLR::LambdaLR(Optimizer& optimizer, LambdaFn lr_lambda)
    : LambdaLR(optimizer, std::vector<LambdaFn>(optimizer.param_groups().size(), lr_lambda)) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<LambdaFn> lr_lambdas)
    : LRScheduler(optimizer), lr_lambdas_(std::move(lr_lambdas)) {
  check(lr_lambdas_.size() == base_lrs_.size(), "LambdaLR", "Expected ", base_lrs_.size(),
        " lr_lambdas, but got ", lr_lambdas_.size());
  for (const LambdaFn& fn : lr_lambdas_) check(static_cast<bool>(fn), "LambdaLR", "an lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs_.size(); ++g)
    lrs.push_back(base_lrs_[g] * lr_lambdas_[g](last_epoch_));
  return lrs;
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, std::int64_t total_iters, double power)
    : LRScheduler(optimizer), total_iters_(total_iters), power_(power) {
  check(total_iters > 0, "PolynomialLR", "total_iters must be positive, got ", total_iters);
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
  // lr = lr * ((1 - t / T) / (1 - (t - 1) / T))^power, the ratio of consecutive closed-form values.
  const auto total = static_cast<double>(total_iters_), epoch = static_cast<double>(last_epoch_);
  const double factor = std::pow((1.0 - epoch / total) / (1.0 - (epoch - 1) / total), power_);
  for (double& lr : lrs) lr *= factor;
  return lrs;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0,
                                                         std::int64_t T_mult, double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_mult_(T_mult), eta_min_(eta_min), T_i_(T_0) {
  check(T_0 > 0, "CosineAnnealingWarmRestarts", "Expected positive integer T_0, but got ", T_0);
  check(T_mult >= 1, "CosineAnnealingWarmRestarts", "Expected integer T_mult >= 1, but got ", T_mult);
  initial_step();
}

void CosineAnnealingWarmRestarts::advance() {
  ++last_epoch_;
  // A restart when the cycle is complete; the next cycle is T_mult times longer.
  if (++T_cur_ >= T_i_) {
    T_cur_ -= T_i_;
    T_i_ *= T_mult_;
  }
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  // lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
  const double cosine =
      1 + std::cos(std::numbers::pi * static_cast<double>(T_cur_) / static_cast<double>(T_i_));
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) lrs.push_back(eta_min_ + (base_lr - eta_min_) * cosine / 2);
  return lrs;
}

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode,
                                                       double factor, std::int64_t patience, double threshold,
                                                       ThresholdMode threshold_mode, std::int64_t cooldown,
                                                       const std::vector<double>& min_lr, double eps)
    : optimizer_(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      eps_(eps),
      best_(mode == min ? std::numeric_limits<double>::infinity()
                        : -std::numeric_limits<double>::infinity()) {
  const std::size_t groups = optimizer.param_groups().size();
  check(factor < 1.0, "ReduceLROnPlateau", "Factor should be < 1.0, got ", factor);
  check(min_lr.size() == 1 || min_lr.size() == groups, "ReduceLROnPlateau", "expected ", groups,
        " min_lrs (or one for all groups), got ", min_lr.size());
  min_lrs_ = min_lr.size() == groups ? min_lr : std::vector<double>(groups, min_lr[0]);
  for (const OptimizerParamGroup& group : optimizer.param_groups()) last_lr_.push_back(group.options().lr());
}

bool ReduceLROnPlateauScheduler::is_better(double value) const {
  if (mode_ == min)
    return threshold_mode_ == rel ? value < best_ * (1 - threshold_) : value < best_ - threshold_;
  return threshold_mode_ == rel ? value > best_ * (threshold_ + 1) : value > best_ + threshold_;
}

void ReduceLROnPlateauScheduler::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during the cooldown do not count
  }
  if (num_bad_epochs_ > patience_) {
    std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const double old_lr = groups[g].options().lr();
      const double new_lr = std::max(old_lr * factor_, min_lrs_[g]);
      // Changes smaller than eps are ignored.
      if (old_lr - new_lr > eps_) groups[g].options().lr(new_lr);
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const OptimizerParamGroup& group : optimizer_.param_groups()) last_lr_.push_back(group.options().lr());
}

}  // namespace tg::optim
