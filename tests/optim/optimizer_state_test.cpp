// State that lives outside the per-parameter buffers: LBFGS's curvature history and the
// sub-schedulers and cycle position of SequentialLR, ChainedScheduler and
// CosineAnnealingWarmRestarts. Each is saved, loaded into freshly built objects, and the resumed
// run must continue exactly as the uninterrupted one.
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using tg::testing::error_message;

using namespace tg::optim;
using ::testing::HasSubstr;
using tg::Tensor;
using namespace std::string_literals;

// ---- LBFGS

// Rosenbrock's function summed over three (x, y) pairs: curved enough that a few L-BFGS
// iterations are far from the minimum and the history matters.
struct Rosenbrock {
  Tensor x, y;
  explicit Rosenbrock(const std::vector<double>& start_x = {-1.2, 0.5, 1.7},
                      const std::vector<double>& start_y = {1.0, -0.3, 2.2}) {
    x = tg::tensor(start_x, {3}, tg::kFloat64).requires_grad_();
    y = tg::tensor(start_y, {3}, tg::kFloat64).requires_grad_();
  }
  Tensor loss() const { return ((1 - x).pow(2) + 100 * (y - x.pow(2)).pow(2)).sum(); }
  LBFGS::LossClosure closure(LBFGS& optimizer) const {
    return [this, &optimizer] {
      optimizer.zero_grad();
      Tensor value = loss();
      value.backward();
      return value;
    };
  }
  std::vector<double> values() const {
    std::vector<double> out = x.to_vector<double>(), more = y.to_vector<double>();
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
};

class LBFGSResume : public ::testing::TestWithParam<bool> {
 protected:
  LBFGSOptions options() const {
    LBFGSOptions options(1);
    options.max_iter(2).history_size(3);  // the history fills and rolls over within 3 steps
    if (GetParam())
      options.line_search_fn("strong_wolfe");
    else
      options.lr(0.05);
    return options;
  }
};

TEST_P(LBFGSResume, ALoadedOptimizerTakesTheFourthStepBitForBit) {
  Rosenbrock uninterrupted;
  LBFGS optimizer({uninterrupted.x, uninterrupted.y}, options());
  for (int step = 0; step < 3; ++step) optimizer.step(uninterrupted.closure(optimizer));
  std::stringstream saved;
  tg::save(optimizer, saved);
  const std::vector<double> after_three = uninterrupted.values();

  Rosenbrock resumed(std::vector<double>(after_three.begin(), after_three.begin() + 3),
                     std::vector<double>(after_three.begin() + 3, after_three.end()));
  LBFGSOptions other_hyperparameters = options();  // overwritten by the load (but not line_search_fn)
  other_hyperparameters.lr(0.5).max_iter(7);
  LBFGS resumed_optimizer({resumed.x, resumed.y}, other_hyperparameters);
  tg::load(resumed_optimizer, saved);
  EXPECT_EQ(resumed_optimizer.func_evals(), optimizer.func_evals());
  EXPECT_EQ(resumed_optimizer.n_iter(), optimizer.n_iter());

  // A fresh optimizer (no history) would take another step: the test can tell them apart.
  Rosenbrock forgetful(std::vector<double>(after_three.begin(), after_three.begin() + 3),
                       std::vector<double>(after_three.begin() + 3, after_three.end()));
  LBFGS forgetful_optimizer({forgetful.x, forgetful.y}, options());

  const double loss = optimizer.step(uninterrupted.closure(optimizer)).item<double>();
  const double resumed_loss = resumed_optimizer.step(resumed.closure(resumed_optimizer)).item<double>();
  forgetful_optimizer.step(forgetful.closure(forgetful_optimizer));
  EXPECT_EQ(resumed_loss, loss);
  EXPECT_EQ(resumed.values(), uninterrupted.values());
  EXPECT_NE(forgetful.values(), uninterrupted.values());
  EXPECT_EQ(resumed_optimizer.func_evals(), optimizer.func_evals());
  EXPECT_EQ(resumed_optimizer.state_dict().size(), optimizer.state_dict().size());
}

INSTANTIATE_TEST_SUITE_P(LineSearch, LBFGSResume, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "StrongWolfe" : "FixedStep"; });

TEST(LBFGSState, KeysUnderPyTorchsNamesOnceItHasStepped) {
  Rosenbrock problem;
  LBFGS optimizer({problem.x, problem.y}, LBFGSOptions(0.05).max_iter(3).history_size(2));
  for (const auto& [key, value] : optimizer.state_dict()) EXPECT_FALSE(key.starts_with("state.")) << key;
  optimizer.step(problem.closure(optimizer));
  std::map<std::string, Tensor> state = optimizer.state_dict();
  EXPECT_EQ(state.at("state.0.func_evals").item<std::int64_t>(), optimizer.func_evals());
  EXPECT_EQ(state.at("state.0.n_iter").item<std::int64_t>(), optimizer.n_iter());
  EXPECT_EQ(optimizer.n_iter(), 2);  // max_eval = max_iter * 5 / 4 = 3 closure calls end the step early
  optimizer.step(problem.closure(optimizer));
  state = optimizer.state_dict();
  EXPECT_EQ(state.at("state.0.d").sizes(), tg::Shape({6}));
  EXPECT_EQ(state.at("state.0.old_dirs").sizes(), tg::Shape({2, 6}));  // full: history_size 2
  EXPECT_EQ(state.at("state.0.old_stps").sizes(), tg::Shape({2, 6}));
  EXPECT_EQ(state.at("state.0.ro").sizes(), tg::Shape({2}));
  EXPECT_EQ(state.at("state.0.prev_flat_grad").sizes(), tg::Shape({6}));
  for (const char* scalar : {"t", "H_diag", "prev_loss"}) EXPECT_EQ(state.at("state.0."s + scalar).dim(), 0);
}

TEST(LBFGSState, BadStatesAreRefusedAndChangeNothing) {
  Rosenbrock problem;
  LBFGS optimizer({problem.x, problem.y}, LBFGSOptions(0.05).max_iter(2));
  optimizer.step(problem.closure(optimizer));
  const std::map<std::string, Tensor> good = optimizer.state_dict();

  Rosenbrock other;
  LBFGS target({other.x, other.y}, LBFGSOptions(0.05).max_iter(2));
  std::map<std::string, Tensor> state = good;
  state["state.0.d"] = tg::zeros({5}, tg::kFloat64);
  EXPECT_THAT(
      error_message([&] { target.load_state_dict(state); }),
      HasSubstr("LBFGS.load_state_dict: 'state.0.d' must be a float tensor of shape [6], got float64 of "
                "shape [5]"));
  state = good;
  state.erase("state.0.ro");
  EXPECT_THAT(error_message([&] { target.load_state_dict(state); }), HasSubstr("missing key 'state.0.ro'"));
  state = good;
  state["state.0.al"] = tg::zeros({1}, tg::kFloat64);
  EXPECT_THAT(error_message([&] { target.load_state_dict(state); }),
              HasSubstr("unexpected key 'state.0.al' for LBFGS"));
  state = good;
  state["param_groups.0.lr"] = tg::scalar_tensor(-1.0, tg::kFloat64);  // the base's check fails last
  EXPECT_THAT(error_message([&] { target.load_state_dict(state); }), HasSubstr("Invalid learning rate"));
  EXPECT_EQ(target.n_iter(), 0);
  EXPECT_EQ(target.func_evals(), 0);

  // A state dict without history starts the history afresh.
  target.load_state_dict(good);
  EXPECT_EQ(target.n_iter(), optimizer.n_iter());
  EXPECT_GT(target.n_iter(), 0);
  std::map<std::string, Tensor> fresh;
  for (const auto& [key, value] : good)
    if (!key.starts_with("state.")) fresh.emplace(key, value);
  target.load_state_dict(fresh);
  EXPECT_EQ(target.n_iter(), 0);
}

// ---- schedulers

Tensor param() { return tg::zeros({2}, tg::kFloat64).requires_grad_(); }

// Steps `a` and `b` (each after its optimizer, as in training) and expects the same lrs each time.
void expect_same_schedule(LRScheduler& a, Optimizer& optimizer_a, LRScheduler& b, Optimizer& optimizer_b,
                          int steps) {
  for (int i = 0; i < steps; ++i) {
    a.step();
    b.step();
    ASSERT_EQ(b.get_last_lr(), a.get_last_lr()) << "step " << i;
    ASSERT_EQ(optimizer_b.param_groups()[0].options().lr(), optimizer_a.param_groups()[0].options().lr());
  }
}

TEST(SchedulerState, CosineAnnealingWarmRestartsSavesItsPositionInTheCycle) {
  const Tensor p = param(), q = param();
  SGD optimizer({p}, SGDOptions(0.1));
  CosineAnnealingWarmRestarts schedule(optimizer, 2, 2, 0.001);
  for (int i = 0; i < 9; ++i) schedule.step();  // cycles of 2, 4, 8: epoch 9 is 3 into the third
  const std::map<std::string, Tensor> state = schedule.state_dict();
  EXPECT_EQ(state.at("T_cur").item<std::int64_t>(), 3);
  EXPECT_EQ(state.at("T_i").item<std::int64_t>(), 8);

  SGD resumed_optimizer({q}, SGDOptions(0.1));
  CosineAnnealingWarmRestarts resumed(resumed_optimizer, 2, 2, 0.001);
  resumed_optimizer.load_state_dict(optimizer.state_dict());
  resumed.load_state_dict(state);
  expect_same_schedule(schedule, optimizer, resumed, resumed_optimizer, 12);

  std::map<std::string, Tensor> bad = state;
  bad["T_cur"] = tg::scalar_tensor(8, tg::kInt64);
  EXPECT_THAT(error_message([&] { resumed.load_state_dict(bad); }),
              HasSubstr("T_cur = 8 and T_i = 8 do not describe a position in a cycle"));
  bad.erase("T_i");
  EXPECT_THAT(error_message([&] { resumed.load_state_dict(bad); }), HasSubstr("missing key 'T_i'"));
}

TEST(SchedulerState, SequentialLRSavesItsSchedulers) {
  const auto build = [](Optimizer& optimizer) {
    auto warmup = std::make_shared<LinearLR>(optimizer, 0.1, 1.0, 3);
    auto restarts = std::make_shared<CosineAnnealingWarmRestarts>(optimizer, 3, 2);
    return std::make_unique<SequentialLR>(
        optimizer, std::vector<std::shared_ptr<LRScheduler>>{warmup, restarts}, std::vector<std::int64_t>{3});
  };
  const Tensor p = param(), q = param();
  SGD optimizer({p}, SGDOptions(0.2));
  auto schedule = build(optimizer);
  for (int i = 0; i < 7; ++i) schedule->step();
  const std::map<std::string, Tensor> state = schedule->state_dict();
  EXPECT_TRUE(state.contains("_schedulers.0.last_epoch"));
  EXPECT_TRUE(state.contains("_schedulers.1.T_cur"));

  SGD resumed_optimizer({q}, SGDOptions(0.2));
  auto resumed = build(resumed_optimizer);
  resumed_optimizer.load_state_dict(optimizer.state_dict());
  resumed->load_state_dict(state);
  expect_same_schedule(*schedule, optimizer, *resumed, resumed_optimizer, 12);

  // All or nothing: a bad sub-scheduler state leaves every scheduler as it was.
  SGD other_optimizer({param()}, SGDOptions(0.2));
  auto other = build(other_optimizer);
  std::map<std::string, Tensor> bad = state;
  bad.erase("_schedulers.1.T_i");
  EXPECT_THAT(error_message([&] { other->load_state_dict(bad); }), HasSubstr("missing key 'T_i'"));
  EXPECT_EQ(other->last_epoch(), 0);
  EXPECT_EQ(other->state_dict().at("_schedulers.0.last_epoch").item<std::int64_t>(), 0);
  bad = state;
  bad["_schedulers.2.last_epoch"] = tg::scalar_tensor(1, tg::kInt64);
  EXPECT_THAT(
      error_message([&] { other->load_state_dict(bad); }),
      HasSubstr("SequentialLR.load_state_dict: '_schedulers.2.last_epoch' is for scheduler 2 but there are "
                "only 2"));
  bad = state;
  bad["_schedulers.x.last_epoch"] = tg::scalar_tensor(1, tg::kInt64);
  EXPECT_THAT(error_message([&] { other->load_state_dict(bad); }),
              HasSubstr("unexpected key '_schedulers.x.last_epoch'"));
}

TEST(SchedulerState, ChainedSchedulerSavesItsSchedulers) {
  const auto build = [](Optimizer& optimizer) {
    auto decay = std::make_shared<ExponentialLR>(optimizer, 0.9);
    auto steps = std::make_shared<MultiStepLR>(optimizer, std::vector<std::int64_t>{4, 9}, 0.5);
    return std::make_unique<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{decay, steps});
  };
  const Tensor p = param(), q = param();
  Adam optimizer({p}, AdamOptions(0.01));
  auto schedule = build(optimizer);
  for (int i = 0; i < 6; ++i) schedule->step();
  std::map<std::string, Tensor> state = schedule->state_dict();
  EXPECT_EQ(state.at("_schedulers.1.last_epoch").item<std::int64_t>(), 6);

  Adam resumed_optimizer({q}, AdamOptions(0.01));
  auto resumed = build(resumed_optimizer);
  resumed_optimizer.load_state_dict(optimizer.state_dict());
  resumed->load_state_dict(state);
  expect_same_schedule(*schedule, optimizer, *resumed, resumed_optimizer, 8);
}

}  // namespace
