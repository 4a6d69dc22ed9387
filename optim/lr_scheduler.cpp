#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>

#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/optim/adam.hpp>
#include <tapegrad/optim/adamax.hpp>
#include <tapegrad/optim/lr_scheduler.hpp>
#include <tapegrad/optim/nadam.hpp>
#include <tapegrad/optim/radam.hpp>
#include <tapegrad/optim/rmsprop.hpp>
#include <tapegrad/optim/sgd.hpp>

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
  apply_lrs(get_lr());
}

void LRScheduler::step_to_epoch(std::int64_t epoch) {
  ++step_count_;
  jump_to_epoch(epoch);
  std::optional<std::vector<double>> closed_form = closed_form_lr();
  apply_lrs(closed_form ? *closed_form : get_lr());
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
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
  prepare_load(state_dict)();
}

std::function<void()> LRScheduler::prepare_load(const std::map<std::string, Tensor>& state_dict) {
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
  return [this, base_lrs = std::move(base_lrs), last_lr = std::move(last_lr), last_epoch, step_count] {
    base_lrs_ = base_lrs;
    last_lr_ = last_lr;
    last_epoch_ = last_epoch;
    step_count_ = step_count;
  };
}

namespace {

constexpr std::string_view kSchedulersPrefix = "_schedulers.";

// A scheduler's own keys, and those of each of its `count` schedulers ("_schedulers.<i>.<key>").
std::pair<std::map<std::string, Tensor>, std::vector<std::map<std::string, Tensor>>> split_sub_states(
    const std::map<std::string, Tensor>& state_dict, std::size_t count, const std::string& op) {
  std::map<std::string, Tensor> own;
  std::vector<std::map<std::string, Tensor>> subs(count);
  for (const auto& [key, value] : state_dict) {
    if (!key.starts_with(kSchedulersPrefix)) {
      own.emplace(key, value);
      continue;
    }
    const std::string rest = key.substr(kSchedulersPrefix.size());
    const std::size_t dot = rest.find('.');
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + std::min(dot, rest.size()), index);
    check(dot != std::string::npos && dot > 0 && error == std::errc() && end == rest.data() + dot, op,
          "unexpected key '", key, "'; a scheduler's state is under _schedulers.<index>.<key>");
    check(index < count, op, "'", key, "' is for scheduler ", index, " but there are only ", count);
    subs[index].emplace(rest.substr(dot + 1), value);
  }
  return {std::move(own), std::move(subs)};
}

void add_sub_states(std::map<std::string, Tensor>& out,
                    const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  for (std::size_t i = 0; i < schedulers.size(); ++i)
    for (auto& [key, value] : schedulers[i]->state_dict())
      out.emplace(std::string(kSchedulersPrefix) + std::to_string(i) + "." + key, value);
}

}  // namespace

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

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  const double factor = std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_));
  for (double base_lr : base_lrs_) lrs.push_back(base_lr * factor);
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

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  int passed = 0;  // milestones <= last_epoch, repeats counted
  for (const auto& [milestone, count] : milestones_)
    if (milestone <= last_epoch_) passed += count;
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) lrs.push_back(base_lr * std::pow(gamma_, passed));
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

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return lrs;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  check(T_max > 0, "CosineAnnealingLR", "T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() { return *closed_form_lr(); }

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
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

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double done =
      static_cast<double>(std::min(total_iters_, last_epoch_)) / static_cast<double>(total_iters_);
  std::vector<double> lrs;
  for (double base_lr : base_lrs_)
    lrs.push_back(base_lr * (start_factor_ + (end_factor_ - start_factor_) * done));
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

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  const double done =
      static_cast<double>(std::min(total_iters_, last_epoch_)) / static_cast<double>(total_iters_);
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) lrs.push_back(base_lr * std::pow(1.0 - done, power_));
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
  // As PyTorch: the first step (also the one SequentialLR redoes after rewinding last_epoch to
  // -1) starts the first cycle afresh.
  if (last_epoch_ < 0) {
    jump_to_epoch(0);
    return;
  }
  ++last_epoch_;
  // A restart when the cycle is complete; the next cycle is T_mult times longer.
  if (++T_cur_ >= T_i_) {
    T_cur_ -= T_i_;
    T_i_ *= T_mult_;
  }
}

void CosineAnnealingWarmRestarts::jump_to_epoch(std::int64_t epoch) {
  check(epoch >= 0, "CosineAnnealingWarmRestarts", "Expected non-negative epoch, but got ", epoch);
  last_epoch_ = epoch;
  T_i_ = T_0_;
  T_cur_ = epoch;
  if (epoch < T_0_) return;
  if (T_mult_ == 1) {
    T_cur_ = epoch % T_0_;
    return;
  }
  // Cycles 0..n-1 last T_0 * (T_mult^n - 1) / (T_mult - 1) epochs together.
  const auto mult = static_cast<double>(T_mult_);
  const auto n = static_cast<std::int64_t>(
      std::log(static_cast<double>(epoch) / static_cast<double>(T_0_) * (mult - 1) + 1) / std::log(mult));
  std::int64_t power = 1;
  for (std::int64_t i = 0; i < n; ++i) power *= T_mult_;
  T_cur_ = epoch - T_0_ * (power - 1) / (T_mult_ - 1);
  T_i_ = T_0_ * power;
}

std::map<std::string, Tensor> CosineAnnealingWarmRestarts::state_dict() const {
  std::map<std::string, Tensor> out = LRScheduler::state_dict();
  out["T_cur"] = scalar_tensor(static_cast<double>(T_cur_), kInt64);
  out["T_i"] = scalar_tensor(static_cast<double>(T_i_), kInt64);
  return out;
}

std::function<void()> CosineAnnealingWarmRestarts::prepare_load(
    const std::map<std::string, Tensor>& state_dict) {
  const std::string op = "CosineAnnealingWarmRestarts.load_state_dict";
  std::map<std::string, Tensor> base = state_dict;
  const auto take = [&](const std::string& key) {
    auto it = base.find(key);
    check(it != base.end() && it->second.defined(), op, "missing key '", key, "'");
    check(it->second.dim() == 0 && !it->second.is_floating_point(), op, "'", key,
          "' must be a 0-d integer tensor, got ", it->second.dtype(), " of shape ", it->second.sizes());
    const auto value = it->second.item<std::int64_t>();
    base.erase(it);
    return value;
  };
  const std::int64_t T_cur = take("T_cur"), T_i = take("T_i");
  check(T_i > 0 && T_cur >= 0 && T_cur < T_i, op, "T_cur = ", T_cur, " and T_i = ", T_i,
        " do not describe a position in a cycle (0 <= T_cur < T_i)");
  std::function<void()> load_base = LRScheduler::prepare_load(base);
  return [this, load_base = std::move(load_base), T_cur, T_i] {
    load_base();
    T_cur_ = T_cur;
    T_i_ = T_i;
  };
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  // lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
  const double cosine =
      1 + std::cos(std::numbers::pi * static_cast<double>(T_cur_) / static_cast<double>(T_i_));
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) lrs.push_back(eta_min_ + (base_lr - eta_min_) * cosine / 2);
  return lrs;
}

namespace {

// One value per parameter group, or one for all of them (PyTorch's _format_param).
std::vector<double> per_group(const std::vector<double>& values, std::size_t groups, const char* name) {
  check(values.size() == 1 || values.size() == groups, "OneCycleLR", "expected ", groups, " values for ",
        name, ", got ", values.size());
  return values.size() == groups ? values : std::vector<double>(groups, values[0]);
}

template <class Options>
bool set_beta1(OptimizerOptions& options, double beta1) {
  auto* typed = dynamic_cast<Options*>(&options);
  if (typed != nullptr) typed->betas({beta1, std::get<1>(typed->betas())});
  return typed != nullptr;
}

template <class Options>
bool set_momentum_option(OptimizerOptions& options, double momentum) {
  auto* typed = dynamic_cast<Options*>(&options);
  if (typed != nullptr) typed->momentum(momentum);
  return typed != nullptr;
}

// PyTorch cycles 'betas'[0] when the optimizer has betas, else 'momentum'; false when it has neither.
bool write_momentum(OptimizerOptions& options, double momentum) {
  return set_beta1<AdamOptions>(options, momentum) || set_beta1<AdamWOptions>(options, momentum) ||
         set_beta1<AdamaxOptions>(options, momentum) || set_beta1<NAdamOptions>(options, momentum) ||
         set_beta1<RAdamOptions>(options, momentum) || set_momentum_option<SGDOptions>(options, momentum) ||
         set_momentum_option<RMSpropOptions>(options, momentum);
}

std::int64_t one_cycle_total_steps(const OneCycleLROptions& options) {
  const std::string op = "OneCycleLR";
  if (options.total_steps) {
    check(*options.total_steps > 0, op, "Expected positive integer total_steps, but got ",
          *options.total_steps);
    return *options.total_steps;
  }
  check(options.epochs && options.steps_per_epoch, op,
        "You must define either total_steps OR (epochs AND steps_per_epoch)");
  check(*options.epochs > 0, op, "Expected positive integer epochs, but got ", *options.epochs);
  check(*options.steps_per_epoch > 0, op, "Expected positive integer steps_per_epoch, but got ",
        *options.steps_per_epoch);
  return *options.epochs * *options.steps_per_epoch;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps)
    : OneCycleLR(optimizer, [&] {
        OneCycleLROptions options;
        options.max_lr = {max_lr};
        options.total_steps = total_steps;
        return options;
      }()) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer),
      total_steps_(one_cycle_total_steps(options)),
      cosine_(options.anneal_strategy == "cos"),
      cycle_momentum_(options.cycle_momentum) {
  const std::string op = "OneCycleLR";
  check(options.pct_start >= 0 && options.pct_start <= 1, op,
        "Expected float between 0 and 1 pct_start, but got ", options.pct_start);
  check(options.anneal_strategy == "cos" || options.anneal_strategy == "linear", op,
        "anneal_strategy must by one of 'cos' or 'linear', instead got ", options.anneal_strategy);
  const auto total = static_cast<double>(total_steps_);
  const double warmup_end = options.pct_start * total - 1;
  if (options.three_phase) {
    phases_ = {{warmup_end, LrLevel::initial, LrLevel::max, true, false},
               {2 * options.pct_start * total - 2, LrLevel::max, LrLevel::initial, false, true},
               {total - 1, LrLevel::initial, LrLevel::min, true, true}};
  } else {
    phases_ = {{warmup_end, LrLevel::initial, LrLevel::max, true, false},
               {total - 1, LrLevel::max, LrLevel::min, false, true}};
  }

  std::vector<OptimizerParamGroup>& groups = optimizer.param_groups();
  max_lrs_ = per_group(options.max_lr, groups.size(), "max_lr");
  // Unlike other schedulers, OneCycleLR overwrites initial_lr: the cycle starts at max_lr / div_factor.
  for (std::size_t g = 0; g < groups.size(); ++g) {
    initial_lrs_.push_back(max_lrs_[g] / options.div_factor);
    min_lrs_.push_back(initial_lrs_[g] / options.final_div_factor);
    groups[g].options().set_initial_lr(initial_lrs_[g]);
  }
  base_lrs_ = initial_lrs_;

  if (cycle_momentum_) {
    max_momentums_ = per_group(options.max_momentum, groups.size(), "max_momentum");
    base_momentums_ = per_group(options.base_momentum, groups.size(), "base_momentum");
    for (std::size_t g = 0; g < groups.size(); ++g)
      check(write_momentum(groups[g].options(), max_momentums_[g]), op,
            "optimizer must support momentum with `cycle_momentum` option enabled");
  }
  initial_step();
}

double OneCycleLR::lr_of(LrLevel level, std::size_t group) const {
  switch (level) {
    case LrLevel::initial:
      return initial_lrs_[group];
    case LrLevel::max:
      return max_lrs_[group];
    case LrLevel::min:
      return min_lrs_[group];
  }
  return 0;
}

double OneCycleLR::momentum_of(bool high, std::size_t group) const {
  return high ? max_momentums_[group] : base_momentums_[group];
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cosine_) return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  check(last_epoch_ <= total_steps_, "OneCycleLR", "Tried to step ", last_epoch_ + 1,
        " times. The specified number of total steps is ", total_steps_);
  const auto step = static_cast<double>(last_epoch_);
  std::vector<OptimizerParamGroup>& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
    // The first phase that has not ended; the last one also covers the step past total_steps - 1.
    double start_step = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (step - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(lr_of(phase.start_lr, g), lr_of(phase.end_lr, g), pct));
        if (cycle_momentum_)
          write_momentum(groups[g].options(), anneal(momentum_of(phase.momentum_starts_high, g),
                                                     momentum_of(phase.momentum_ends_high, g), pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  const std::string op = "SequentialLR";
  check(!schedulers_.empty(), op, "expects at least one scheduler");
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    check(schedulers_[i] != nullptr, op, "scheduler at index ", i, " is null");
    check(
        &schedulers_[i]->optimizer_ == &optimizer_, op,
        "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at "
        "index ",
        i, " to be different than the optimizer passed in.");
  }
  check(milestones_.size() + 1 == schedulers_.size(), op,
        "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
        "milestone points, but got number of schedulers ",
        schedulers_.size(), " and the number of milestones to be equal to ", milestones_.size());
  // Back to the initial lrs, and the schedulers' constructor steps undone: only the first one's
  // initial step counts.
  for (OptimizerParamGroup& group : optimizer_.param_groups())
    group.options().lr(*group.options().initial_lr());
  for (const std::shared_ptr<LRScheduler>& scheduler : schedulers_) --scheduler->last_epoch_;
  schedulers_.front()->initial_step();
  last_epoch_ = 0;
  last_lr_ = schedulers_.front()->get_last_lr();
}

std::vector<double> SequentialLR::get_lr() {
  const auto index = static_cast<std::size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  LRScheduler& scheduler = *schedulers_[index];
  // As PyTorch 1.13: the scheduler whose milestone this is starts at its epoch 0 (closed form).
  if (index > 0 && milestones_[index - 1] == last_epoch_)
    scheduler.step_to_epoch(0);
  else
    scheduler.step();
  return scheduler.get_last_lr();
}

std::map<std::string, Tensor> SequentialLR::state_dict() const {
  std::map<std::string, Tensor> out = LRScheduler::state_dict();
  add_sub_states(out, schedulers_);
  return out;
}

std::function<void()> SequentialLR::prepare_load(const std::map<std::string, Tensor>& state_dict) {
  auto [own, subs] = split_sub_states(state_dict, schedulers_.size(), "SequentialLR.load_state_dict");
  std::vector<std::function<void()>> loads = {LRScheduler::prepare_load(own)};
  for (std::size_t i = 0; i < schedulers_.size(); ++i) loads.push_back(schedulers_[i]->prepare_load(subs[i]));
  return [loads = std::move(loads)] {
    for (const auto& load : loads) load();
  };
}

Optimizer& ChainedScheduler::common_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  const std::string op = "ChainedScheduler";
  check(!schedulers.empty(), op, "expects at least one scheduler");
  for (std::size_t i = 0; i < schedulers.size(); ++i) {
    check(schedulers[i] != nullptr, op, "scheduler at index ", i, " is null");
    check(&schedulers[i]->optimizer_ == &schedulers[0]->optimizer_, op,
          "ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at "
          "index 0 "
          "and ",
          i, " to be different");
  }
  return schedulers[0]->optimizer_;
}

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(common_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  last_epoch_ = 0;
  last_lr_ = current_lrs();
}

std::vector<double> ChainedScheduler::get_lr() {
  for (const std::shared_ptr<LRScheduler>& scheduler : schedulers_) scheduler->step();
  return current_lrs();
}

std::map<std::string, Tensor> ChainedScheduler::state_dict() const {
  std::map<std::string, Tensor> out = LRScheduler::state_dict();
  add_sub_states(out, schedulers_);
  return out;
}

std::function<void()> ChainedScheduler::prepare_load(const std::map<std::string, Tensor>& state_dict) {
  auto [own, subs] = split_sub_states(state_dict, schedulers_.size(), "ChainedScheduler.load_state_dict");
  std::vector<std::function<void()>> loads = {LRScheduler::prepare_load(own)};
  for (std::size_t i = 0; i < schedulers_.size(); ++i) loads.push_back(schedulers_[i]->prepare_load(subs[i]));
  return [loads = std::move(loads)] {
    for (const auto& load : loads) load();
  };
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
