#include <cmath>
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
  ++last_epoch_;
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

}  // namespace tg::optim
