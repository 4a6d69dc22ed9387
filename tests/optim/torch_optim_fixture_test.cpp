// Compares optimizers, LR schedulers and gradient clipping with PyTorch, recorded in
// tests/fixtures/torch_optim.txt by tests/fixtures/make_optim_fixtures.py (no Python at test time).
//
// A case's name stands for its hyperparameters: the tables below hold one row per name that
// builds the same optimizer (or schedulers) as the Python script. Trajectories over 20 steps and
// the final state_dict must agree to 1e-6 relative; a case on only one side fails the coverage test.
#include <algorithm>
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "optim/optim_test_helpers.hpp"
#include "support/fixture_reader.hpp"

namespace {

using tapegrad_test::FixtureCase;
using tapegrad_test::FixtureRole;
using tapegrad_test::FixtureTensor;
using namespace tg::optim;

constexpr int kSteps = 20;
constexpr int kEpochs = 30;

// ---------------------------------------------------------------- the case tables

using OptimizerFactory =
    std::function<std::unique_ptr<Optimizer>(const tg::Tensor& W, const tg::Tensor& b, const tg::Tensor& u)>;

template <class Opt, class Options>
OptimizerFactory all_params(Options options) {
  return
      [options](const tg::Tensor& W, const tg::Tensor& b, const tg::Tensor& u) -> std::unique_ptr<Optimizer> {
        return std::make_unique<Opt>(tg::tensor_list{W, b, u}, options);
      };
}

const std::map<std::string, OptimizerFactory>& optimizer_table() {
  static const std::map<std::string, OptimizerFactory> table = {
      {"sgd", all_params<SGD>(SGDOptions(0.1))},
      {"sgd_momentum", all_params<SGD>(SGDOptions(0.05).momentum(0.9))},
      {"sgd_dampening", all_params<SGD>(SGDOptions(0.05).momentum(0.9).dampening(0.3))},
      {"sgd_nesterov", all_params<SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true))},
      {"sgd_weight_decay", all_params<SGD>(SGDOptions(0.1).weight_decay(0.05))},
      {"sgd_nesterov_weight_decay",
       all_params<SGD>(SGDOptions(0.05).momentum(0.8).nesterov(true).weight_decay(0.1))},
      {"sgd_groups",
       [](const tg::Tensor& W, const tg::Tensor& b, const tg::Tensor& u) -> std::unique_ptr<Optimizer> {
         return std::make_unique<SGD>(
             std::vector<OptimizerParamGroup>{OptimizerParamGroup({W}, SGDOptions(0.1).momentum(0.9)),
                                              OptimizerParamGroup({b, u})},
             SGDOptions(0.01));
       }},
      {"adam", all_params<Adam>(AdamOptions(0.05))},
      {"adam_amsgrad", all_params<Adam>(AdamOptions(0.05).amsgrad(true))},
      {"adam_weight_decay",
       all_params<Adam>(AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.1))},
      {"adam_groups",
       [](const tg::Tensor& W, const tg::Tensor& b, const tg::Tensor& u) -> std::unique_ptr<Optimizer> {
         return std::make_unique<Adam>(
             std::vector<OptimizerParamGroup>{OptimizerParamGroup({W}, AdamOptions(0.05)),
                                              OptimizerParamGroup({b, u}, AdamOptions(0.01).amsgrad(true))},
             AdamOptions(0.01));
       }},
      {"adamw", all_params<AdamW>(AdamWOptions(0.05).weight_decay(0.1))},
      {"adamw_amsgrad", all_params<AdamW>(AdamWOptions(0.05).amsgrad(true))},
      {"rmsprop", all_params<RMSprop>(RMSpropOptions(0.01))},
      {"rmsprop_centered", all_params<RMSprop>(RMSpropOptions(0.01).centered(true))},
      {"rmsprop_momentum", all_params<RMSprop>(RMSpropOptions(0.01).momentum(0.9))},
      {"rmsprop_all",
       all_params<RMSprop>(
           RMSpropOptions(0.005).alpha(0.9).eps(1e-6).weight_decay(0.1).momentum(0.5).centered(true))},
      {"adagrad", all_params<Adagrad>(AdagradOptions(0.1))},
      {"adagrad_all",
       all_params<Adagrad>(
           AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.1).initial_accumulator_value(0.3).eps(1e-6))},
      {"adamax", all_params<Adamax>(AdamaxOptions())},
      {"adamax_all", all_params<Adamax>(AdamaxOptions(0.05).betas({0.8, 0.95}).eps(1e-4).weight_decay(0.1))},
      {"nadam", all_params<NAdam>(NAdamOptions(0.05))},
      {"nadam_all",
       all_params<NAdam>(
           NAdamOptions(0.02).betas({0.8, 0.95}).eps(1e-6).weight_decay(0.1).momentum_decay(0.01))},
      {"radam", all_params<RAdam>(RAdamOptions(0.05))},
      {"radam_rectified",
       all_params<RAdam>(RAdamOptions(0.05).betas({0.8, 0.9}).eps(1e-6).weight_decay(0.1))},
  };
  return table;
}

using Schedulers = std::vector<std::unique_ptr<LRScheduler>>;
using SchedulerFactory = std::function<Schedulers(Optimizer&)>;

template <class S>
Schedulers schedulers(std::unique_ptr<S> scheduler) {
  Schedulers list;
  list.push_back(std::move(scheduler));
  return list;
}

const std::map<std::string, SchedulerFactory>& scheduler_table() {
  static const std::map<std::string, SchedulerFactory> table = {
      {"step_lr", [](Optimizer& o) { return schedulers(std::make_unique<StepLR>(o, 7, 0.5)); }},
      {"step_lr_default_gamma", [](Optimizer& o) { return schedulers(std::make_unique<StepLR>(o, 4)); }},
      {"multistep_lr",
       [](Optimizer& o) {
         return schedulers(std::make_unique<MultiStepLR>(o, std::vector<std::int64_t>{5, 12, 12, 20}, 0.3));
       }},
      {"exponential_lr", [](Optimizer& o) { return schedulers(std::make_unique<ExponentialLR>(o, 0.9)); }},
      {"cosine_lr",
       [](Optimizer& o) { return schedulers(std::make_unique<CosineAnnealingLR>(o, 10, 0.001)); }},
      {"cosine_lr_no_min",
       [](Optimizer& o) { return schedulers(std::make_unique<CosineAnnealingLR>(o, 30)); }},
      {"linear_lr", [](Optimizer& o) { return schedulers(std::make_unique<LinearLR>(o)); }},
      {"linear_lr_custom",
       [](Optimizer& o) { return schedulers(std::make_unique<LinearLR>(o, 0.25, 0.9, 10)); }},
      {"linear_then_exponential",
       [](Optimizer& o) {
         // Built one after the other: the order of construction matters (function arguments
         // would be evaluated in an unspecified order).
         Schedulers list;
         list.push_back(std::make_unique<LinearLR>(o, 0.5, 1.0, 4));
         list.push_back(std::make_unique<ExponentialLR>(o, 0.9));
         return list;
       }},
      {"lambda_lr",
       [](Optimizer& o) {
         return schedulers(
             std::make_unique<LambdaLR>(o, [](std::int64_t epoch) { return std::pow(0.95, epoch); }));
       }},
      {"lambda_lr_per_group",
       [](Optimizer& o) {
         return schedulers(std::make_unique<LambdaLR>(
             o, std::vector<LambdaLR::LambdaFn>{
                    [](std::int64_t epoch) { return 1.0 / static_cast<double>(1 + epoch); },
                    [](std::int64_t epoch) { return std::min(1.0, static_cast<double>(epoch + 1) / 5); }}));
       }},
      {"polynomial_lr", [](Optimizer& o) { return schedulers(std::make_unique<PolynomialLR>(o)); }},
      {"polynomial_lr_power",
       [](Optimizer& o) { return schedulers(std::make_unique<PolynomialLR>(o, 12, 2.0)); }},
      {"cosine_warm_restarts",
       [](Optimizer& o) { return schedulers(std::make_unique<CosineAnnealingWarmRestarts>(o, 7)); }},
      {"cosine_warm_restarts_mult",
       [](Optimizer& o) {
         return schedulers(std::make_unique<CosineAnnealingWarmRestarts>(o, 3, 2, 0.001));
       }},
      {"one_cycle_no_momentum",
       [](Optimizer& o) {
         OneCycleLROptions options;
         options.max_lr = {0.5, 0.1};
         options.total_steps = 30;
         options.cycle_momentum = false;
         return schedulers(std::make_unique<OneCycleLR>(o, options));
       }},
      {"one_cycle_epochs_past_last_step",
       [](Optimizer& o) {
         OneCycleLROptions options;
         options.max_lr = {0.4};
         options.epochs = 6;
         options.steps_per_epoch = 5;
         options.pct_start = 0.25;
         options.anneal_strategy = "linear";
         options.cycle_momentum = false;
         options.div_factor = 10;
         options.final_div_factor = 100;
         return schedulers(std::make_unique<OneCycleLR>(o, options));
       }},
      {"sequential_linear_cosine",
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.1, 1.0, 5);
         auto cosine = std::make_shared<CosineAnnealingLR>(o, 20, 0.001);
         return schedulers(std::make_unique<SequentialLR>(
             o, std::vector<std::shared_ptr<LRScheduler>>{warmup, cosine}, std::vector<std::int64_t>{5}));
       }},
      {"sequential_linear_exponential_step",
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.5, 1.0, 4);
         auto decay = std::make_shared<ExponentialLR>(o, 0.9);
         auto steps = std::make_shared<StepLR>(o, 3, 0.5);
         return schedulers(std::make_unique<SequentialLR>(
             o, std::vector<std::shared_ptr<LRScheduler>>{warmup, decay, steps},
             std::vector<std::int64_t>{6, 15}));
       }},
      {"sequential_restarts_multistep",
       [](Optimizer& o) {
         auto restarts = std::make_shared<CosineAnnealingWarmRestarts>(o, 4, 2);
         auto multistep = std::make_shared<MultiStepLR>(o, std::vector<std::int64_t>{3, 5, 5}, 0.5);
         auto polynomial = std::make_shared<PolynomialLR>(o, 6, 2.0);
         return schedulers(std::make_unique<SequentialLR>(
             o, std::vector<std::shared_ptr<LRScheduler>>{restarts, multistep, polynomial},
             std::vector<std::int64_t>{10, 20}));
       }},
      {"chained_linear_exponential",
       [](Optimizer& o) {
         auto warmup = std::make_shared<LinearLR>(o, 0.5, 1.0, 4);
         auto decay = std::make_shared<ExponentialLR>(o, 0.9);
         return schedulers(
             std::make_unique<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{warmup, decay}));
       }},
  };
  return table;
}

// Schedulers that also cycle the momentum: the optimizer (two groups, lr 0.1 and 0.02) and the
// scheduler. momentum_of reads the group's momentum, or beta1 for the Adam family.
struct MomentumSchedulerRow {
  std::function<std::unique_ptr<Optimizer>(const tg::Tensor& W, const tg::Tensor& b)> make_optimizer;
  std::function<std::unique_ptr<LRScheduler>(Optimizer&)> make_scheduler;
  std::function<double(const OptimizerOptions&)> momentum_of;
};

template <class Opt, class Options>
std::function<std::unique_ptr<Optimizer>(const tg::Tensor&, const tg::Tensor&)> two_groups(Options defaults) {
  return [defaults](const tg::Tensor& W, const tg::Tensor& b) -> std::unique_ptr<Optimizer> {
    Options second = defaults;
    second.lr(0.02);
    return std::make_unique<Opt>(
        std::vector<OptimizerParamGroup>{OptimizerParamGroup({W}), OptimizerParamGroup({b}, second)},
        defaults);
  };
}

template <class Options>
double momentum_option(const OptimizerOptions& options) {
  return static_cast<const Options&>(options).momentum();
}

template <class Options>
double beta1_option(const OptimizerOptions& options) {
  return std::get<0>(static_cast<const Options&>(options).betas());
}

std::function<std::unique_ptr<LRScheduler>(Optimizer&)> one_cycle(OneCycleLROptions options) {
  return [options](Optimizer& o) { return std::make_unique<OneCycleLR>(o, options); };
}

OneCycleLROptions one_cycle_options(std::vector<double> max_lr, std::int64_t total_steps) {
  OneCycleLROptions options;
  options.max_lr = std::move(max_lr);
  options.total_steps = total_steps;
  return options;
}

const std::map<std::string, MomentumSchedulerRow>& momentum_scheduler_table() {
  static const std::map<std::string, MomentumSchedulerRow> table = [] {
    std::map<std::string, MomentumSchedulerRow> rows;
    const auto sgd = two_groups<SGD>(SGDOptions(0.1).momentum(0.9));
    rows["one_cycle_cos_sgd"] = {sgd, one_cycle(one_cycle_options({0.5, 0.1}, 30)),
                                 momentum_option<SGDOptions>};
    OneCycleLROptions linear = one_cycle_options({0.3}, 40);
    linear.pct_start = 0.4;
    linear.anneal_strategy = "linear";
    linear.base_momentum = {0.8};
    linear.max_momentum = {0.9};
    rows["one_cycle_linear_sgd"] = {sgd, one_cycle(linear), momentum_option<SGDOptions>};
    OneCycleLROptions three_phase;
    three_phase.max_lr = {0.5, 0.2};
    three_phase.epochs = 3;
    three_phase.steps_per_epoch = 10;
    three_phase.three_phase = true;
    three_phase.base_momentum = {0.8, 0.7};
    three_phase.max_momentum = {0.9, 0.95};
    rows["one_cycle_three_phase_sgd"] = {sgd, one_cycle(three_phase), momentum_option<SGDOptions>};
    OneCycleLROptions rmsprop = one_cycle_options({0.2}, 35);
    rmsprop.three_phase = true;
    rmsprop.anneal_strategy = "linear";
    rmsprop.pct_start = 0.2;
    rows["one_cycle_three_phase_linear_rmsprop"] = {two_groups<RMSprop>(RMSpropOptions(0.1).momentum(0.5)),
                                                    one_cycle(rmsprop), momentum_option<RMSpropOptions>};
    OneCycleLROptions adam = one_cycle_options({0.05, 0.01}, 30);
    adam.div_factor = 5;
    adam.final_div_factor = 50;
    rows["one_cycle_cos_adam"] = {two_groups<Adam>(AdamOptions(0.1)), one_cycle(adam),
                                  beta1_option<AdamOptions>};
    OneCycleLROptions adamw = one_cycle_options({0.05}, 32);
    adamw.anneal_strategy = "linear";
    adamw.pct_start = 0.5;
    rows["one_cycle_linear_adamw"] = {two_groups<AdamW>(AdamWOptions(0.1).betas({0.8, 0.99})),
                                      one_cycle(adamw), beta1_option<AdamWOptions>};
    return rows;
  }();
  return table;
}

const std::map<std::string, LBFGSOptions>& lbfgs_table() {
  static const std::map<std::string, LBFGSOptions> table = {
      {"lbfgs_rosenbrock", LBFGSOptions(0.5)},
      {"lbfgs_rosenbrock_wolfe", LBFGSOptions().line_search_fn("strong_wolfe")},
      {"lbfgs_lstsq", LBFGSOptions()},
      {"lbfgs_lstsq_wolfe_history",
       LBFGSOptions().max_iter(5).history_size(3).line_search_fn("strong_wolfe")},
      {"lbfgs_lstsq_max_eval", LBFGSOptions(0.8).max_iter(10).max_eval(6).tolerance_change(1e-5)},
  };
  return table;
}

using PlateauFactory = std::function<std::unique_ptr<ReduceLROnPlateauScheduler>(Optimizer&)>;

const std::map<std::string, PlateauFactory>& plateau_table() {
  using S = ReduceLROnPlateauScheduler;
  static const std::map<std::string, PlateauFactory> table = {
      {"plateau_min", [](Optimizer& o) { return std::make_unique<S>(o, S::min, 0.1, 2); }},
      {"plateau_max_abs", [](Optimizer& o) { return std::make_unique<S>(o, S::max, 0.5, 1, 0.05, S::abs); }},
      {"plateau_cooldown_min_lr",
       [](Optimizer& o) {
         return std::make_unique<S>(o, S::min, 0.5, 1, 0.1, S::rel, 2, std::vector<double>{0.01, 0.005});
       }},
      {"plateau_eps",
       [](Optimizer& o) {
         return std::make_unique<S>(o, S::min, 0.5, 0, 1e-4, S::rel, 0, std::vector<double>{0}, 0.01);
       }},
  };
  return table;
}

// Clipping cases need no table: their arguments are inputs of the case.
bool is_clip_case(const std::string& name) { return name.starts_with("clip_"); }

// ---------------------------------------------------------------- loading the fixture file

struct LoadedFixtures {
  std::vector<FixtureCase> cases;
  std::string error;
};

const LoadedFixtures& fixtures() {
  static const LoadedFixtures loaded = [] {
    LoadedFixtures result;
    try {
      result.cases =
          tapegrad_test::read_fixture_file(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_optim.txt");
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    return result;
  }();
  return loaded;
}

constexpr const char* kUnreadable = "unreadable_fixture_file";

std::vector<std::string> case_names(const std::function<bool(const std::string&)>& keep) {
  if (!fixtures().error.empty() || fixtures().cases.empty()) return {kUnreadable};
  std::vector<std::string> names;
  for (const FixtureCase& c : fixtures().cases)
    if (keep(c.name)) names.push_back(c.name);
  return names;
}

const FixtureCase& fixture_case(const std::string& name) {
  static const FixtureCase missing;
  for (const FixtureCase& c : fixtures().cases)
    if (c.name == name) return c;
  return missing;
}

tg::Tensor input(const FixtureCase& fixture, const std::string& label) {
  const FixtureTensor* tensor = fixture.find(FixtureRole::Input, label);
  if (tensor == nullptr) throw std::runtime_error("fixture case " + fixture.name + " has no input " + label);
  return tensor->to_tensor();
}

const FixtureTensor& output(const FixtureCase& fixture, const std::string& label) {
  const FixtureTensor* tensor = fixture.find(FixtureRole::Output, label);
  if (tensor == nullptr) throw std::runtime_error("fixture case " + fixture.name + " has no output " + label);
  return *tensor;
}

::testing::AssertionResult matches(const tg::Tensor& actual, const FixtureTensor& expected) {
  if (expected.dtype == tg::kInt64) {
    if (actual.dtype() != tg::kInt64) return ::testing::AssertionFailure() << "dtype " << actual.dtype();
    const std::vector<std::int64_t> values = actual.to_vector<std::int64_t>();
    if (values == expected.int_values) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "int64 values differ";
  }
  if (actual.dtype() != expected.dtype) return ::testing::AssertionFailure() << "dtype " << actual.dtype();
  return optim_test::all_close(actual, expected.values, expected.sizes);
}

// ---------------------------------------------------------------- optimizers

class TorchOptimizer : public testing::TestWithParam<std::string> {};

TEST_P(TorchOptimizer, TrajectoryAndStateMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  SCOPED_TRACE("torch_optim.txt line " + std::to_string(fixture.line));
  const auto row = optimizer_table().find(fixture.name);
  ASSERT_TRUE(row != optimizer_table().end()) << "no row in optimizer_table()";

  const tg::Tensor X = input(fixture, "X"), Y = input(fixture, "Y");
  const tg::Tensor W = input(fixture, "W0").requires_grad_(), b = input(fixture, "b0").requires_grad_(),
                   u = input(fixture, "u0").requires_grad_();
  std::unique_ptr<Optimizer> optimizer = row->second(W, b, u);
  std::map<std::string, tg::tensor_list> trajectory;
  for (int step = 0; step < kSteps; ++step) {
    optimizer->zero_grad();
    tg::mse_loss(tg::linear(X, W, b), Y).backward();
    optimizer->step();
    trajectory["W"].push_back(W.detach().clone());
    trajectory["b"].push_back(b.detach().clone());
    trajectory["u"].push_back(u.detach().clone());
  }
  for (const auto& [label, values] : trajectory)
    EXPECT_TRUE(matches(tg::stack(values), output(fixture, label))) << "trajectory of " << label;

  // The state_dict holds exactly PyTorch's keys (restricted to what tapegrad keeps) and values.
  const std::map<std::string, tg::Tensor> state = optimizer->state_dict();
  std::set<std::string> expected_keys;
  for (const FixtureTensor* tensor : fixture.with_role(FixtureRole::Output)) {
    if (trajectory.count(tensor->label)) continue;
    expected_keys.insert(tensor->label);
    const auto actual = state.find(tensor->label);
    if (actual == state.end()) {
      ADD_FAILURE() << "state_dict lacks PyTorch's '" << tensor->label << "'";
      continue;
    }
    EXPECT_TRUE(matches(actual->second, *tensor)) << "state_dict entry " << tensor->label;
  }
  for (const auto& [key, value] : state)
    EXPECT_TRUE(expected_keys.count(key)) << "state_dict has '" << key << "', which PyTorch's does not";
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchOptimizer, testing::ValuesIn(case_names([](const std::string& name) {
                           return optimizer_table().count(name) > 0;
                         })),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// ---------------------------------------------------------------- LBFGS

class TorchLBFGS : public testing::TestWithParam<std::string> {};

TEST_P(TorchLBFGS, StepsMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  const bool rosenbrock = fixture.find(FixtureRole::Input, "x0") != nullptr;
  tg::tensor_list params;
  std::vector<std::string> labels;
  std::function<tg::Tensor()> loss_fn;
  if (rosenbrock) {
    params = {input(fixture, "x0").requires_grad_()};
    labels = {"x"};
    loss_fn = [x = params[0]] {
      // (1 - x0)^2 + 100 (x1 - x0^2)^2
      const tg::Tensor x0 = x[0], x1 = x[1];
      return (1 - x0).pow(2) + 100 * (x1 - x0.pow(2)).pow(2);
    };
  } else {
    params = {input(fixture, "W0").requires_grad_(), input(fixture, "b0").requires_grad_()};
    labels = {"W", "b"};
    loss_fn = [W = params[0], b = params[1], X = input(fixture, "X"), Y = input(fixture, "Y")] {
      return tg::mse_loss(tg::linear(X, W, b), Y);
    };
  }
  LBFGS optimizer(params, lbfgs_table().at(fixture.name));
  std::int64_t calls = 0;
  auto closure = [&] {
    ++calls;
    optimizer.zero_grad();
    tg::Tensor loss = loss_fn();
    loss.backward();
    return loss;
  };
  std::vector<double> losses;
  std::vector<tg::tensor_list> trajectory(params.size());
  for (int step = 0; step < 3; ++step) {
    losses.push_back(optimizer.step(closure).item<double>());
    for (std::size_t i = 0; i < params.size(); ++i) trajectory[i].push_back(params[i].detach().clone());
  }
  for (std::size_t i = 0; i < params.size(); ++i)
    EXPECT_TRUE(matches(tg::stack(trajectory[i]), output(fixture, labels[i])))
        << "trajectory of " << labels[i];
  EXPECT_TRUE(matches(tg::tensor(losses, {3}, tg::kFloat64), output(fixture, "loss")));
  EXPECT_EQ(calls, output(fixture, "closure_calls").int_values.at(0));
  EXPECT_EQ(optimizer.func_evals(), calls);
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchLBFGS, testing::ValuesIn(case_names([](const std::string& name) {
                           return lbfgs_table().count(name) > 0;
                         })),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// ---------------------------------------------------------------- LR schedulers

class TorchScheduler : public testing::TestWithParam<std::string> {};

TEST_P(TorchScheduler, LearningRatesMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  const auto row = scheduler_table().find(fixture.name);
  ASSERT_TRUE(row != scheduler_table().end()) << "no row in scheduler_table()";

  const tg::Tensor W = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::zeros({1}, tg::kFloat64).requires_grad_();
  SGD optimizer({OptimizerParamGroup({W}), OptimizerParamGroup({b}, SGDOptions(0.02))}, SGDOptions(0.1));
  const Schedulers schedulers = row->second(optimizer);
  std::vector<double> lrs = schedulers.back()->get_last_lr();
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    optimizer.step();
    for (const auto& scheduler : schedulers) scheduler->step();
    const std::vector<double>& last = schedulers.back()->get_last_lr();
    lrs.insert(lrs.end(), last.begin(), last.end());
    // get_last_lr() is what the optimizer's groups now use.
    ASSERT_EQ(last[0], optimizer.param_groups()[0].options().lr());
    ASSERT_EQ(last[1], optimizer.param_groups()[1].options().lr());
  }
  EXPECT_TRUE(matches(tg::tensor(lrs, {kEpochs + 1, 2}, tg::kFloat64), output(fixture, "lr")));
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchScheduler, testing::ValuesIn(case_names([](const std::string& name) {
                           return scheduler_table().count(name) > 0;
                         })),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

class TorchMomentumScheduler : public testing::TestWithParam<std::string> {};

TEST_P(TorchMomentumScheduler, LearningRatesAndMomentumsMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  const MomentumSchedulerRow& row = momentum_scheduler_table().at(fixture.name);
  const tg::Tensor W = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::zeros({1}, tg::kFloat64).requires_grad_();
  const std::unique_ptr<Optimizer> optimizer = row.make_optimizer(W, b);
  const std::unique_ptr<LRScheduler> scheduler = row.make_scheduler(*optimizer);
  std::vector<double> lrs = scheduler->get_last_lr(), momentums;
  const auto record_momentums = [&] {
    for (const OptimizerParamGroup& group : optimizer->param_groups())
      momentums.push_back(row.momentum_of(group.options()));
  };
  record_momentums();
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    optimizer->step();
    scheduler->step();
    lrs.insert(lrs.end(), scheduler->get_last_lr().begin(), scheduler->get_last_lr().end());
    record_momentums();
  }
  EXPECT_TRUE(matches(tg::tensor(lrs, {kEpochs + 1, 2}, tg::kFloat64), output(fixture, "lr")));
  EXPECT_TRUE(matches(tg::tensor(momentums, {kEpochs + 1, 2}, tg::kFloat64), output(fixture, "momentum")));
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchMomentumScheduler,
                         testing::ValuesIn(case_names([](const std::string& name) {
                           return momentum_scheduler_table().count(name) > 0;
                         })),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

class TorchPlateau : public testing::TestWithParam<std::string> {};

TEST_P(TorchPlateau, LearningRatesMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  const tg::Tensor W = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::zeros({1}, tg::kFloat64).requires_grad_();
  SGD optimizer({OptimizerParamGroup({W}), OptimizerParamGroup({b}, SGDOptions(0.02))}, SGDOptions(0.1));
  const std::unique_ptr<ReduceLROnPlateauScheduler> scheduler = plateau_table().at(fixture.name)(optimizer);
  std::vector<double> lrs = scheduler->get_last_lr();
  for (double metric : input(fixture, "metric").to_vector<double>()) {
    optimizer.step();
    scheduler->step(metric);
    lrs.insert(lrs.end(), scheduler->get_last_lr().begin(), scheduler->get_last_lr().end());
  }
  EXPECT_TRUE(matches(tg::tensor(lrs, {kEpochs + 1, 2}, tg::kFloat64), output(fixture, "lr")));
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchPlateau, testing::ValuesIn(case_names([](const std::string& name) {
                           return plateau_table().count(name) > 0;
                         })),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// ---------------------------------------------------------------- gradient clipping

class TorchClip : public testing::TestWithParam<std::string> {};

TEST_P(TorchClip, ClippedGradientsMatchPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  const FixtureCase& fixture = fixture_case(GetParam());
  ASSERT_EQ(fixture.name, GetParam());
  tg::tensor_list params;
  for (const std::string label : {"grad0", "grad1"}) {
    const tg::Tensor grad = input(fixture, label);
    params.push_back(tg::zeros_like(grad).requires_grad_());
    optim_test::set_grad(params.back(), grad);
  }
  // A parameter without a gradient is skipped (it must not count towards the norm).
  params.push_back(tg::zeros({4}, tg::kFloat64).requires_grad_());

  if (fixture.find(FixtureRole::Input, "clip_value") != nullptr) {
    tg::nn::utils::clip_grad_value_(params, input(fixture, "clip_value").item<double>());
  } else {
    const double total = tg::nn::utils::clip_grad_norm_(params, input(fixture, "max_norm").item<double>(),
                                                        input(fixture, "norm_type").item<double>());
    EXPECT_TRUE(matches(tg::scalar_tensor(total, tg::kFloat64), output(fixture, "total_norm")));
  }
  EXPECT_TRUE(matches(params[0].grad(), output(fixture, "grad0")));
  EXPECT_TRUE(matches(params[1].grad(), output(fixture, "grad1")));
  EXPECT_FALSE(params[2].grad().defined());
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchClip, testing::ValuesIn(case_names(is_clip_case)),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// Coverage guard: every fixture case has a table row (or is a clip case) and every row a case.
TEST(TorchOptimCoverage, FileAndTablesListTheSameCases) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  std::set<std::string> in_file;
  for (const FixtureCase& c : fixtures().cases) {
    in_file.insert(c.name);
    EXPECT_TRUE(optimizer_table().count(c.name) + scheduler_table().count(c.name) +
                        lbfgs_table().count(c.name) + plateau_table().count(c.name) +
                        momentum_scheduler_table().count(c.name) ==
                    1 ||
                is_clip_case(c.name))
        << "fixture case '" << c.name << "' has no table row";
  }
  for (const auto& [name, row] : optimizer_table())
    EXPECT_TRUE(in_file.count(name)) << "optimizer row '" << name
                                     << "' has no fixture case; rerun the script";
  for (const auto& [name, row] : momentum_scheduler_table())
    EXPECT_TRUE(in_file.count(name)) << "momentum scheduler row '" << name
                                     << "' has no fixture case; rerun the script";
  for (const auto& [name, row] : plateau_table())
    EXPECT_TRUE(in_file.count(name)) << "plateau row '" << name << "' has no fixture case; rerun the script";
  for (const auto& [name, row] : lbfgs_table())
    EXPECT_TRUE(in_file.count(name)) << "LBFGS row '" << name << "' has no fixture case; rerun the script";
  for (const auto& [name, row] : scheduler_table())
    EXPECT_TRUE(in_file.count(name)) << "scheduler row '" << name
                                     << "' has no fixture case; rerun the script";
  EXPECT_GE(in_file.size(), 30u);
}

}  // namespace
