// LR scheduler behaviour beyond the PyTorch value comparison in torch_optim_fixture_test.cpp:
// epoch-0 values, initial_lr shared between schedulers, state_dict round trip, and errors.
#include <cmath>
#include <gtest/gtest.h>
#include <numbers>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "optim/optim_test_helpers.hpp"

namespace {

using namespace tg::optim;

tg::Tensor param() { return tg::zeros({2}, tg::kFloat64).requires_grad_(); }

TEST(LRScheduler, ConstructionSetsTheEpochZeroLearningRate) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(0.3));
  LinearLR warmup(optimizer, 0.5, 1.0, 2);
  EXPECT_EQ(warmup.last_epoch(), 0);
  EXPECT_EQ(warmup.get_last_lr(), (std::vector<double>{0.15}));
  EXPECT_EQ(optimizer.param_groups()[0].options().lr(), 0.15);
  EXPECT_EQ(warmup.base_lrs(), (std::vector<double>{0.3}));
  warmup.step();
  EXPECT_DOUBLE_EQ(warmup.get_last_lr()[0], 0.225);
  warmup.step();
  EXPECT_DOUBLE_EQ(warmup.get_last_lr()[0], 0.3);
  warmup.step();
  EXPECT_DOUBLE_EQ(warmup.get_last_lr()[0], 0.3);
  EXPECT_EQ(warmup.last_epoch(), 3);
}

TEST(LRScheduler, WorksWithAnyOptimizer) {
  const tg::Tensor p = param();
  Adam adam({p}, AdamOptions(0.01));
  StepLR schedule(adam, 2, 0.5);
  adam.step();
  schedule.step();
  adam.step();
  schedule.step();
  EXPECT_DOUBLE_EQ(adam.param_groups()[0].options().lr(), 0.005);
  RMSprop rmsprop({param()});
  ExponentialLR decay(rmsprop, 0.5);
  decay.step();
  EXPECT_DOUBLE_EQ(rmsprop.param_groups()[0].options().lr(), 0.005);
}

// As PyTorch: the first scheduler stores initial_lr in each group; a second scheduler takes its
// base lrs from there, not from the lr the first one already changed.
TEST(LRScheduler, LaterSchedulersStartFromInitialLr) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(0.3));
  LinearLR warmup(optimizer, 0.5, 1.0, 4);
  ASSERT_EQ(optimizer.param_groups()[0].options().initial_lr(), 0.3);
  CosineAnnealingLR cosine(optimizer, 10);
  EXPECT_EQ(cosine.base_lrs(), (std::vector<double>{0.3}));
  // initial_lr is part of the optimizer's state_dict once set.
  EXPECT_EQ(optimizer.state_dict().at("param_groups.0.initial_lr").item<double>(), 0.3);
}

TEST(LRScheduler, CosineAnnealingIsTheClosedForm) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(1.0));
  CosineAnnealingLR cosine(optimizer, 8, 0.1);
  for (int epoch = 1; epoch <= 20; ++epoch) {
    cosine.step();
    const double expected = 0.1 + (1.0 - 0.1) * (1 + std::cos(std::numbers::pi * epoch / 8)) / 2;
    EXPECT_DOUBLE_EQ(cosine.get_last_lr()[0], expected) << "epoch " << epoch;
  }
}

TEST(LRScheduler, MultiStepCountsRepeatedMilestones) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(1.0));
  MultiStepLR schedule(optimizer, {2, 2, 3}, 0.5);
  schedule.step();
  EXPECT_EQ(schedule.get_last_lr()[0], 1.0);
  schedule.step();
  EXPECT_EQ(schedule.get_last_lr()[0], 0.25);
  schedule.step();
  EXPECT_EQ(schedule.get_last_lr()[0], 0.125);
}

TEST(LRScheduler, StateDictRoundTripContinuesTheSchedule) {
  const tg::Tensor p = param();
  SGD optimizer({OptimizerParamGroup({p}), OptimizerParamGroup({param()}, SGDOptions(0.05))},
                SGDOptions(0.1));
  StepLR schedule(optimizer, 3, 0.5);
  for (int epoch = 0; epoch < 5; ++epoch) schedule.step();
  const auto saved_optimizer = optimizer.state_dict();
  const auto saved_schedule = schedule.state_dict();
  std::vector<double> expected;
  for (int epoch = 0; epoch < 7; ++epoch) {
    schedule.step();
    expected.push_back(schedule.get_last_lr()[0]);
    expected.push_back(schedule.get_last_lr()[1]);
  }

  SGD resumed_optimizer({OptimizerParamGroup({param()}), OptimizerParamGroup({param()})}, SGDOptions(0.7));
  StepLR resumed(resumed_optimizer, 3, 0.5);
  resumed_optimizer.load_state_dict(saved_optimizer);
  resumed.load_state_dict(saved_schedule);
  EXPECT_EQ(resumed.last_epoch(), 5);
  EXPECT_EQ(resumed.base_lrs(), (std::vector<double>{0.1, 0.05}));
  std::vector<double> actual;
  for (int epoch = 0; epoch < 7; ++epoch) {
    resumed.step();
    actual.push_back(resumed.get_last_lr()[0]);
    actual.push_back(resumed.get_last_lr()[1]);
  }
  EXPECT_EQ(actual, expected);
}

template <class F>
void expect_error(F&& f, const std::string& substring) {
  try {
    f();
    ADD_FAILURE() << "no tg::Error thrown; expected one containing '" << substring << "'";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(substring), std::string::npos) << "message: " << e.what();
  }
}

TEST(LRScheduler, BadArgumentsThrow) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(0.1));
  expect_error([&] { StepLR(optimizer, 0); }, "StepLR: step_size must be positive, got 0");
  expect_error([&] { CosineAnnealingLR(optimizer, 0); }, "CosineAnnealingLR: T_max must be positive");
  expect_error([&] { LinearLR(optimizer, 0.0); }, "LinearLR: start_factor must be in (0, 1]");
  expect_error([&] { LinearLR(optimizer, 1.5); }, "start_factor must be in (0, 1]");
  expect_error([&] { LinearLR(optimizer, 0.5, 1.5); }, "LinearLR: end_factor must be in [0, 1]");
  expect_error([&] { PolynomialLR(optimizer, 0); }, "PolynomialLR: total_iters must be positive");
  expect_error([&] { CosineAnnealingWarmRestarts(optimizer, 0); },
               "Expected positive integer T_0, but got 0");
  expect_error([&] { CosineAnnealingWarmRestarts(optimizer, 2, 0); },
               "Expected integer T_mult >= 1, but got 0");
  expect_error([&] { LambdaLR(optimizer, std::vector<LambdaLR::LambdaFn>{}); },
               "Expected 1 lr_lambdas, but got 0");
  expect_error([&] { ReduceLROnPlateau(optimizer, ReduceLROnPlateau::min, 1.0); }, "Factor should be < 1.0");
  expect_error(
      [&] {
        ReduceLROnPlateau(optimizer, ReduceLROnPlateau::min, 0.1, 10, 1e-4, ReduceLROnPlateau::rel, 0,
                          {0, 0});
      },
      "expected 1 min_lrs");
  StepLR schedule(optimizer, 2);
  auto state = schedule.state_dict();
  state["base_lrs"] = tg::tensor(std::vector<double>{0.1, 0.2}, {2}, tg::kFloat64);
  expect_error([&] { schedule.load_state_dict(state); }, "'base_lrs' holds 2 lrs but the optimizer had 1");
  state = schedule.state_dict();
  state.erase("last_epoch");
  expect_error([&] { schedule.load_state_dict(state); }, "missing key 'last_epoch'");
  state = schedule.state_dict();
  state["gamma"] = tg::scalar_tensor(0.1);
  expect_error([&] { schedule.load_state_dict(state); }, "unexpected key 'gamma'");
}

OneCycleLROptions one_cycle(std::vector<double> max_lr, std::int64_t total_steps) {
  OneCycleLROptions options;
  options.max_lr = std::move(max_lr);
  options.total_steps = total_steps;
  return options;
}

TEST(OneCycleLR, BadArgumentsThrow) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(0.1).momentum(0.9));
  OneCycleLROptions no_steps;
  no_steps.max_lr = {0.1};
  expect_error([&] { OneCycleLR(optimizer, no_steps); },
               "OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)");
  expect_error([&] { OneCycleLR(optimizer, 0.1, 0); }, "Expected positive integer total_steps, but got 0");
  OneCycleLROptions epochs = no_steps;
  epochs.epochs = 0;
  epochs.steps_per_epoch = 3;
  expect_error([&] { OneCycleLR(optimizer, epochs); }, "Expected positive integer epochs, but got 0");
  epochs.epochs = 2;
  epochs.steps_per_epoch = -1;
  expect_error([&] { OneCycleLR(optimizer, epochs); },
               "Expected positive integer steps_per_epoch, but got -1");
  OneCycleLROptions options = one_cycle({0.1}, 10);
  options.pct_start = 1.5;
  expect_error([&] { OneCycleLR(optimizer, options); },
               "Expected float between 0 and 1 pct_start, but got 1.5");
  options = one_cycle({0.1}, 10);
  options.anneal_strategy = "exp";
  expect_error([&] { OneCycleLR(optimizer, options); },
               "anneal_strategy must by one of 'cos' or 'linear', instead got exp");
  expect_error(
      [&] {
        OneCycleLR(optimizer, one_cycle({0.1, 0.2}, 10));
      },
      "expected 1 values for max_lr, got 2");
  options = one_cycle({0.1}, 10);
  options.base_momentum = {0.8, 0.7};
  expect_error([&] { OneCycleLR(optimizer, options); }, "expected 1 values for base_momentum, got 2");
  Adagrad adagrad({param()});
  expect_error([&] { OneCycleLR(adagrad, 0.1, 10); },
               "optimizer must support momentum with `cycle_momentum` option enabled");
  options = one_cycle({0.1}, 10);
  options.cycle_momentum = false;
  OneCycleLR without_momentum(adagrad, options);
  EXPECT_DOUBLE_EQ(without_momentum.get_last_lr()[0], 0.1 / 25);
}

// As PyTorch: step total_steps still works (the last phase extrapolates), the next one throws.
TEST(OneCycleLR, SteppingPastTotalStepsThrows) {
  const tg::Tensor p = param();
  Adam optimizer({p}, AdamOptions(0.01).betas({0.9, 0.99}));
  OneCycleLR schedule(optimizer, 1.0, 4);
  EXPECT_EQ(schedule.total_steps(), 4);
  EXPECT_NEAR(schedule.get_last_lr()[0], 1.0 / 25, 1e-15);
  // beta1 starts at max_momentum; beta2 is left alone.
  const auto& options = static_cast<const AdamOptions&>(optimizer.param_groups()[0].options());
  EXPECT_DOUBLE_EQ(std::get<0>(options.betas()), 0.95);
  EXPECT_DOUBLE_EQ(std::get<1>(options.betas()), 0.99);
  // initial_lr is max_lr / div_factor, even though the group's lr was 0.01.
  EXPECT_DOUBLE_EQ(*optimizer.param_groups()[0].options().initial_lr(), 1.0 / 25);
  for (int i = 0; i < 4; ++i) schedule.step();
  expect_error([&] { schedule.step(); },
               "OneCycleLR: Tried to step 6 times. The specified number of total steps is 4");
}

TEST(SequentialLR, BadArgumentsThrow) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(0.1));
  SGD other({param()}, SGDOptions(0.1));
  auto first = std::make_shared<LinearLR>(optimizer);
  auto second = std::make_shared<ExponentialLR>(optimizer, 0.9);
  auto foreign = std::make_shared<ExponentialLR>(other, 0.9);
  expect_error(
      [&] {
        SequentialLR(optimizer, {first, second}, {});
      },
      "SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the "
      "number of milestone points, but got number of schedulers 2 and the number of milestones to be equal "
      "to 0");
  expect_error(
      [&] {
        SequentialLR(optimizer, {first, foreign}, {3});
      },
      "but got schedulers at index 1 to be different than the optimizer passed in.");
  expect_error([&] { SequentialLR(optimizer, {}, {}); }, "expects at least one scheduler");
  expect_error(
      [&] {
        ChainedScheduler({first, foreign});
      },
      "ChainedScheduler: ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
      "schedulers at index 0 and 1 to be different");
  expect_error([&] { ChainedScheduler({}); }, "expects at least one scheduler");
}

// The construction undoes the schedulers' own initial steps: only the first one's epoch 0 counts,
// and the next one restarts at its epoch 0 at the milestone.
TEST(SequentialLR, SwitchesAtTheMilestone) {
  const tg::Tensor p = param();
  SGD optimizer({p}, SGDOptions(1.0));
  auto warmup = std::make_shared<LinearLR>(optimizer, 0.5, 1.0, 2);
  auto decay = std::make_shared<StepLR>(optimizer, 1, 0.5);
  SequentialLR schedule(optimizer, {warmup, decay}, {2});
  EXPECT_EQ(schedule.get_last_lr(), (std::vector<double>{0.5}));
  EXPECT_EQ(schedule.last_epoch(), 0);
  std::vector<double> lrs;
  for (int i = 0; i < 4; ++i) {
    schedule.step();
    lrs.push_back(schedule.get_last_lr()[0]);
  }
  EXPECT_EQ(lrs, (std::vector<double>{0.75, 1.0, 0.5, 0.25}));
  EXPECT_EQ(optimizer.param_groups()[0].options().lr(), 0.25);
}

}  // namespace
