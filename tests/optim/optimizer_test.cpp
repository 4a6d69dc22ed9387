// The optimizer contract shared by SGD, Adam, AdamW and RMSprop: a state_dict round trip continues
// bit for bit, .grad() is never written, zero_grad, parameter groups, and errors for bad options,
// bad groups and bad state dicts. Update values are checked against PyTorch in
// torch_optim_fixture_test.cpp.
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "optim/optim_test_helpers.hpp"

namespace {

using namespace tg::optim;
using optim_test::bitwise_equal;
using optim_test::Problem;

/// Builds an optimizer over the problem's parameters; `variant` changes every hyperparameter so
/// that a later load_state_dict has something to overwrite.
struct OptimizerKind {
  std::string name;
  std::function<std::unique_ptr<Optimizer>(const Problem&, bool variant)> make;
};

std::vector<OptimizerKind> optimizer_kinds() {
  return {
      {"SGD_nesterov",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<SGD>(p.params(), SGDOptions(variant ? 0.5 : 0.05)
                                                      .momentum(variant ? 0.1 : 0.9)
                                                      .nesterov(true)
                                                      .weight_decay(variant ? 0 : 0.01));
       }},
      {"SGD_dampening",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<SGD>(p.params(),
                                      SGDOptions(variant ? 0.5 : 0.05).momentum(0.9).dampening(0.2));
       }},
      {"Adam_amsgrad",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<Adam>(p.params(), AdamOptions(variant ? 0.5 : 0.02)
                                                       .betas({variant ? 0.5 : 0.9, 0.99})
                                                       .weight_decay(variant ? 0 : 0.01)
                                                       .amsgrad(true));
       }},
      {"AdamW",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<AdamW>(p.params(),
                                        AdamWOptions(variant ? 0.5 : 0.02).eps(variant ? 1e-3 : 1e-8));
       }},
      {"RMSprop_centered_momentum",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<RMSprop>(
             p.params(),
             RMSpropOptions(variant ? 0.5 : 0.01).alpha(variant ? 0.5 : 0.95).momentum(0.5).centered(true));
       }},
      {"Adagrad",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<Adagrad>(
             p.params(),
             AdagradOptions(variant ? 0.5 : 0.1).lr_decay(variant ? 0 : 0.01).initial_accumulator_value(0.1));
       }},
      {"Adamax",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<Adamax>(
             p.params(), AdamaxOptions(variant ? 0.5 : 0.02).betas({variant ? 0.5 : 0.9, 0.99}));
       }},
      {"NAdam",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<NAdam>(
             p.params(), NAdamOptions(variant ? 0.5 : 0.02).momentum_decay(variant ? 0.1 : 4e-3));
       }},
      {"RAdam",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<RAdam>(p.params(),
                                        RAdamOptions(variant ? 0.5 : 0.02).betas({0.9, variant ? 0.5 : 0.9}));
       }},
      {"SGD_two_groups",
       [](const Problem& p, bool variant) -> std::unique_ptr<Optimizer> {
         return std::make_unique<SGD>(
             std::vector<OptimizerParamGroup>{
                 OptimizerParamGroup({p.W}, SGDOptions(variant ? 0.3 : 0.1).momentum(0.9)),
                 OptimizerParamGroup({p.b, p.u})},
             SGDOptions(variant ? 0.3 : 0.02).momentum(0.5));
       }},
  };
}

class EveryOptimizer : public testing::TestWithParam<OptimizerKind> {};

INSTANTIATE_TEST_SUITE_P(Optim, EveryOptimizer, testing::ValuesIn(optimizer_kinds()),
                         [](const testing::TestParamInfo<OptimizerKind>& info) { return info.param.name; });

// Run A: 10 steps, save, 10 more. Run B: a fresh optimizer (with other hyperparameters) over the
// parameters saved at step 10 loads the state and runs 10 steps. Both must end bit for bit equal.
TEST_P(EveryOptimizer, StateDictRoundTripContinuesBitForBit) {
  Problem run_a;
  std::unique_ptr<Optimizer> optimizer_a = GetParam().make(run_a, false);
  for (int step = 0; step < 10; ++step) {
    run_a.compute_grads(*optimizer_a);
    optimizer_a->step();
  }
  const std::map<std::string, tg::Tensor> saved = optimizer_a->state_dict();
  const tg::tensor_list params_at_10 = run_a.snapshot();
  for (int step = 0; step < 10; ++step) {
    run_a.compute_grads(*optimizer_a);
    optimizer_a->step();
  }

  Problem run_b;
  run_b.restore(params_at_10);
  std::unique_ptr<Optimizer> optimizer_b = GetParam().make(run_b, true);
  optimizer_b->load_state_dict(saved);
  // The loaded optimizer reports the same state as the saved one, key for key and bit for bit.
  const std::map<std::string, tg::Tensor> reloaded = optimizer_b->state_dict();
  ASSERT_EQ(reloaded.size(), saved.size());
  for (const auto& [key, value] : saved) {
    ASSERT_TRUE(reloaded.count(key)) << key;
    EXPECT_TRUE(bitwise_equal(reloaded.at(key), value)) << key;
  }
  for (int step = 0; step < 10; ++step) {
    run_b.compute_grads(*optimizer_b);
    optimizer_b->step();
  }
  EXPECT_TRUE(bitwise_equal(run_a.W, run_b.W));
  EXPECT_TRUE(bitwise_equal(run_a.b, run_b.b));
  EXPECT_TRUE(bitwise_equal(run_a.u, run_b.u));
  // Saving copies the buffers: the 10 later steps of run A did not change what was saved.
  EXPECT_TRUE(
      bitwise_equal(optimizer_b->state_dict().begin()->second, optimizer_a->state_dict().begin()->second));
}

TEST_P(EveryOptimizer, StepReadsGradsButNeverWritesThem) {
  Problem problem;
  std::unique_ptr<Optimizer> optimizer = GetParam().make(problem, false);
  for (int step = 0; step < 3; ++step) {
    problem.compute_grads(*optimizer);
    const tg::Tensor grad_w = problem.W.grad(), grad_b = problem.b.grad();
    const tg::Tensor copy_w = grad_w.clone(), copy_b = grad_b.clone();
    const std::uint64_t version_w = grad_w.version(), version_b = grad_b.version();
    const tg::Tensor before = problem.W.detach().clone();
    optimizer->step();
    EXPECT_TRUE(problem.W.grad().is_same(grad_w));
    EXPECT_TRUE(problem.b.grad().is_same(grad_b));
    EXPECT_EQ(grad_w.version(), version_w);
    EXPECT_EQ(grad_b.version(), version_b);
    EXPECT_TRUE(bitwise_equal(grad_w, copy_w));
    EXPECT_TRUE(bitwise_equal(grad_b, copy_b));
    EXPECT_FALSE(bitwise_equal(problem.W, before)) << "step() did not move W";
  }
}

TEST_P(EveryOptimizer, ParametersWithoutGradKeepTheirValuesAndGetNoState) {
  Problem problem;
  std::unique_ptr<Optimizer> optimizer = GetParam().make(problem, false);
  const tg::Tensor u_before = problem.u.detach().clone();
  for (int step = 0; step < 3; ++step) {
    problem.compute_grads(*optimizer);
    optimizer->step();
  }
  EXPECT_TRUE(bitwise_equal(problem.u, u_before));
  // Adagrad, as in PyTorch, creates every parameter's state (step 0, sum at the initial value) when
  // it is constructed; the others only on a parameter's first update.
  if (GetParam().name == "Adagrad")
    EXPECT_EQ(optimizer->state(problem.u)->at("step").item<double>(), 0.0);
  else
    EXPECT_EQ(optimizer->state(problem.u), nullptr);
  EXPECT_NE(optimizer->state(problem.W), nullptr);
  EXPECT_FALSE(problem.u.requires_grad() && problem.u.grad().defined());
}

TEST_P(EveryOptimizer, StepUpdatesTheParametersInPlace) {
  Problem problem;
  std::unique_ptr<Optimizer> optimizer = GetParam().make(problem, false);
  const tg::TensorImpl* impl = tg::detail::impl_of(problem.W);
  void* data = problem.W.raw_data();
  problem.compute_grads(*optimizer);
  optimizer->step();
  EXPECT_EQ(tg::detail::impl_of(problem.W), impl);
  EXPECT_EQ(problem.W.raw_data(), data);
  EXPECT_TRUE(problem.W.is_leaf());
  EXPECT_TRUE(problem.W.requires_grad());
}

TEST_P(EveryOptimizer, ZeroGradZeroesByDefaultAndSetsToNoneOnRequest) {
  Problem problem;
  std::unique_ptr<Optimizer> optimizer = GetParam().make(problem, false);
  tg::mse_loss(tg::linear(problem.X, problem.W, problem.b), problem.Y).backward();
  ASSERT_TRUE(problem.W.grad().defined());
  optimizer->zero_grad();  // libtorch 1.13's default: zero in place
  ASSERT_TRUE(problem.W.grad().defined());
  for (double value : problem.W.grad().to_vector<double>()) EXPECT_EQ(value, 0.0);
  optimizer->zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(problem.W.grad().defined());
  EXPECT_FALSE(problem.b.grad().defined());
  optimizer->step();  // no gradients: nothing moves, nothing throws
}

TEST_P(EveryOptimizer, ZeroGradWithoutSetToNoneZeroesInPlace) {
  Problem problem;
  std::unique_ptr<Optimizer> optimizer = GetParam().make(problem, false);
  tg::mse_loss(tg::linear(problem.X, problem.W, problem.b), problem.Y).backward();
  const tg::Tensor grad = problem.W.grad();
  optimizer->zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(problem.W.grad().defined());
  EXPECT_TRUE(problem.W.grad().is_same(grad));
  for (double value : grad.to_vector<double>()) EXPECT_EQ(value, 0.0);
  EXPECT_FALSE(problem.u.grad().defined()) << "a parameter without a gradient stays without one";
  // The next backward accumulates into the zeroed buffer.
  tg::mse_loss(tg::linear(problem.X, problem.W, problem.b), problem.Y).backward();
  EXPECT_TRUE(problem.W.grad().is_same(grad));
}

// ---------------------------------------------------------------- zero_grad with create_graph

TEST(OptimizerZeroGrad, DetachesAGradientThatRequiresGrad) {
  const tg::Tensor x = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  (x * x).sum().backward({}, std::nullopt, /*create_graph=*/true);
  ASSERT_TRUE(x.grad().requires_grad());
  SGD optimizer({x}, SGDOptions(0.1));
  optimizer.zero_grad(false);
  EXPECT_FALSE(x.grad().requires_grad());
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0}));
}

// ---------------------------------------------------------------- parameter groups and options

TEST(OptimizerGroups, GroupsWithoutOptionsUseTheDefaults) {
  Problem problem;
  SGD optimizer(
      {OptimizerParamGroup({problem.W}, SGDOptions(0.3).momentum(0.9)), OptimizerParamGroup({problem.b})},
      SGDOptions(0.01).dampening(0.1));
  ASSERT_EQ(optimizer.param_groups().size(), 2u);
  const auto& first = static_cast<const SGDOptions&>(optimizer.param_groups()[0].options());
  const auto& second = static_cast<const SGDOptions&>(optimizer.param_groups()[1].options());
  EXPECT_EQ(first.lr(), 0.3);
  EXPECT_EQ(first.momentum(), 0.9);
  EXPECT_EQ(first.dampening(), 0.0);
  EXPECT_EQ(second.lr(), 0.01);
  EXPECT_EQ(second.dampening(), 0.1);
  // Changing the defaults' source later does not touch the groups: each group owns its options.
  optimizer.add_param_group(OptimizerParamGroup({problem.u}));
  EXPECT_EQ(optimizer.param_groups()[2].options().lr(), 0.01);
  EXPECT_EQ(optimizer.parameters().size(), 3u);
  EXPECT_TRUE(optimizer.parameters()[2].is_same(problem.u));
}

TEST(OptimizerGroups, EachGroupStepsWithItsOwnLearningRate) {
  // One SGD step moves p by -lr * grad; two groups with lr 1 and 0.5 see the same gradient.
  const tg::Tensor a = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::zeros({2}, tg::kFloat64).requires_grad_();
  SGD optimizer({OptimizerParamGroup({a}), OptimizerParamGroup({b}, SGDOptions(0.5))}, SGDOptions(1.0));
  optim_test::set_grad(a, tg::tensor({1.0, -2.0}, tg::kFloat64));
  optim_test::set_grad(b, tg::tensor({1.0, -2.0}, tg::kFloat64));
  optimizer.step();
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{-1.0, 2.0}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{-0.5, 1.0}));
  // The lr is settable through the base options (what schedulers use).
  optimizer.param_groups()[1].options().lr(0.25);
  optimizer.step();
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{-0.75, 1.5}));
}

TEST(OptimizerGroups, OptionsGettersAndDefaultsMatchPyTorch) {
  const AdamOptions adam;
  EXPECT_EQ(adam.lr(), 1e-3);
  EXPECT_EQ(std::get<0>(adam.betas()), 0.9);
  EXPECT_EQ(std::get<1>(adam.betas()), 0.999);
  EXPECT_EQ(adam.eps(), 1e-8);
  EXPECT_EQ(adam.weight_decay(), 0.0);
  EXPECT_FALSE(adam.amsgrad());
  const AdamWOptions adamw;
  EXPECT_EQ(adamw.weight_decay(), 1e-2);
  const RMSpropOptions rmsprop;
  EXPECT_EQ(rmsprop.lr(), 1e-2);
  EXPECT_EQ(rmsprop.alpha(), 0.99);
  EXPECT_EQ(rmsprop.eps(), 1e-8);
  EXPECT_EQ(rmsprop.momentum(), 0.0);
  EXPECT_FALSE(rmsprop.centered());
  const SGDOptions sgd(0.1);
  EXPECT_EQ(sgd.momentum(), 0.0);
  EXPECT_EQ(sgd.dampening(), 0.0);
  EXPECT_FALSE(sgd.nesterov());
  SGDOptions options(0.1);
  options.set_lr(0.2);
  EXPECT_EQ(options.get_lr(), 0.2);
}

TEST(OptimizerState, Float32ParametersKeepFloat32State) {
  const tg::Tensor p = tg::tensor({1.0, -2.0, 3.0}).requires_grad_();  // float32
  Adam optimizer({p}, AdamOptions(0.1));
  optim_test::set_grad(p, tg::tensor({0.5, 0.5, -0.5}));
  optimizer.step();
  const ParamState* state = optimizer.state(p);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->at("exp_avg").dtype(), tg::kFloat32);
  EXPECT_EQ(state->at("step").dtype(), tg::kFloat64);
  EXPECT_EQ(state->at("step").item<double>(), 1.0);
  // The first Adam step moves every element by about lr against the gradient's sign.
  const std::vector<float> values = p.to_vector<float>();
  EXPECT_NEAR(values[0], 0.9f, 1e-6);
  EXPECT_NEAR(values[2], 3.1f, 1e-6);
}

TEST(OptimizerState, SgdWithoutMomentumKeepsNoState) {
  const tg::Tensor p = tg::ones({2}, tg::kFloat64).requires_grad_();
  SGD optimizer({p}, SGDOptions(0.1));
  optim_test::set_grad(p, tg::ones({2}, tg::kFloat64));
  optimizer.step();
  EXPECT_EQ(optimizer.state(p), nullptr);
  const auto state = optimizer.state_dict();
  for (const auto& [key, value] : state) EXPECT_FALSE(key.starts_with("state.")) << key;
}

// ---------------------------------------------------------------- errors

template <class F>
void expect_error(F&& f, const std::string& substring) {
  try {
    f();
    ADD_FAILURE() << "no tg::Error thrown; expected one containing '" << substring << "'";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << substring;
  }
}

TEST(OptimizerErrors, BadOptionsThrow) {
  const tg::Tensor p = tg::zeros({2}).requires_grad_();
  expect_error([&] { SGD({p}, SGDOptions(-0.1)); }, "SGD: Invalid learning rate: -0.1");
  expect_error([&] { SGD({p}, SGDOptions(0.1).momentum(-1)); }, "SGD: Invalid momentum value");
  expect_error([&] { SGD({p}, SGDOptions(0.1).weight_decay(-1)); }, "SGD: Invalid weight_decay value");
  expect_error([&] { SGD({p}, SGDOptions(0.1).nesterov(true)); },
               "Nesterov momentum requires a momentum > 0");
  expect_error([&] { SGD({p}, SGDOptions(0.1).nesterov(true).momentum(0.9).dampening(0.1)); },
               "zero dampening");
  expect_error([&] { Adam({p}, AdamOptions(-1)); }, "Adam: Invalid learning rate");
  expect_error([&] { Adam({p}, AdamOptions().eps(-1e-8)); }, "Adam: Invalid epsilon value");
  expect_error(
      [&] {
        Adam({p}, AdamOptions().betas({1.0, 0.9}));
      },
      "Adam: Invalid beta parameter at index 0");
  expect_error(
      [&] {
        Adam({p}, AdamOptions().betas({0.9, -0.1}));
      },
      "Adam: Invalid beta parameter at index 1");
  expect_error([&] { Adam({p}, AdamOptions().weight_decay(-1)); }, "Adam: Invalid weight_decay value");
  expect_error([&] { AdamW({p}, AdamWOptions(-1)); }, "AdamW: Invalid learning rate");
  expect_error([&] { RMSprop({p}, RMSpropOptions(-1)); }, "RMSprop: Invalid learning rate");
  expect_error([&] { RMSprop({p}, RMSpropOptions().alpha(-1)); }, "RMSprop: Invalid alpha value");
  expect_error([&] { RMSprop({p}, RMSpropOptions().momentum(-1)); }, "RMSprop: Invalid momentum value");
  expect_error([&] { Adagrad({p}, AdagradOptions(-1)); }, "Adagrad: Invalid learning rate: -1");
  expect_error([&] { Adagrad({p}, AdagradOptions().lr_decay(-1)); }, "Adagrad: Invalid lr_decay value");
  expect_error([&] { Adagrad({p}, AdagradOptions().initial_accumulator_value(-1)); },
               "Adagrad: Invalid initial_accumulator_value value");
  expect_error([&] { Adagrad({p}, AdagradOptions().eps(-1)); }, "Adagrad: Invalid epsilon value");
  expect_error([&] { Adamax({p}, AdamaxOptions(-1)); }, "Adamax: Invalid learning rate");
  expect_error(
      [&] {
        Adamax({p}, AdamaxOptions().betas({0.9, 1.0}));
      },
      "Adamax: Invalid beta parameter at index 1");
  expect_error([&] { NAdam({p}, NAdamOptions(-1)); }, "NAdam: Invalid learning rate");
  expect_error([&] { NAdam({p}, NAdamOptions().momentum_decay(-1)); }, "NAdam: Invalid momentum_decay value");
  expect_error([&] { RAdam({p}, RAdamOptions().eps(-1)); }, "RAdam: Invalid epsilon value");
  expect_error([&] { RAdam({p}, RAdamOptions().weight_decay(-1)); }, "RAdam: Invalid weight_decay value");
  expect_error([&] { LBFGS({p}, LBFGSOptions(-1)); }, "LBFGS: Invalid learning rate");
  expect_error([&] { LBFGS({p}, LBFGSOptions().line_search_fn("backtracking")); },
               "only 'strong_wolfe' is supported");
  expect_error([&] { LBFGS({p}, LBFGSOptions().history_size(0)); }, "Invalid history_size value");
  const tg::Tensor q = tg::zeros({2}).requires_grad_();
  expect_error(
      [&] {
        LBFGS({OptimizerParamGroup({p}), OptimizerParamGroup({q})});
      },
      "LBFGS doesn't support per-parameter options (parameter groups)");
  LBFGS lbfgs({p});
  Optimizer& base = lbfgs;
  expect_error([&] { base.step(); }, "LBFGS: step() needs a closure");
  // Group options are checked too.
  expect_error([&] { SGD({OptimizerParamGroup({p}, SGDOptions(-2))}, SGDOptions(0.1)); },
               "Invalid learning rate: -2");
}

TEST(OptimizerErrors, BadParameterGroupsThrow) {
  const tg::Tensor p = tg::zeros({2}).requires_grad_();
  const tg::Tensor q = tg::zeros({3}).requires_grad_();
  expect_error([&] { SGD(tg::tensor_list{}, SGDOptions(0.1)); }, "SGD: got an empty parameter list");
  expect_error([&] { SGD({p, p}, SGDOptions(0.1)); }, "appears more than once");
  expect_error(
      [&] {
        SGD({OptimizerParamGroup({p}), OptimizerParamGroup({q, p})}, SGDOptions(0.1));
      },
      "appears more than once");
  expect_error([&] { SGD({p * 2.0}, SGDOptions(0.1)); }, "can't optimize a non-leaf tensor");
  expect_error([&] { SGD({tg::Tensor()}, SGDOptions(0.1)); }, "is undefined");
  expect_error([&] { SGD({tg::zeros({2}, tg::kInt64)}, SGDOptions(0.1)); }, "only float32/float64");
  expect_error([&] { SGD({OptimizerParamGroup({p}, AdamOptions(0.1))}, SGDOptions(0.1)); },
               "parameter group 0 has Adam options");
  expect_error([&] { Adam({OptimizerParamGroup({p}, AdamWOptions(0.1))}, AdamOptions(0.1)); },
               "has AdamW options");
  SGD optimizer({p}, SGDOptions(0.1));
  expect_error([&] { optimizer.add_param_group(OptimizerParamGroup({p})); }, "appears more than once");
  EXPECT_EQ(optimizer.param_groups().size(), 1u);
}

TEST(OptimizerErrors, ToggledOptionsAfterTheFirstStepThrow) {
  const tg::Tensor p = tg::zeros({2}, tg::kFloat64).requires_grad_();
  Adam optimizer({p}, AdamOptions(0.1));
  optim_test::set_grad(p, tg::ones({2}, tg::kFloat64));
  optimizer.step();
  static_cast<AdamOptions&>(optimizer.param_groups()[0].options()).amsgrad(true);
  expect_error([&] { optimizer.step(); }, "lacks 'max_exp_avg_sq'");
}

// ---------------------------------------------------------------- load_state_dict validation

struct Trained {
  Problem problem;
  std::unique_ptr<Adam> optimizer;
  std::map<std::string, tg::Tensor> state;
  Trained() {
    optimizer =
        std::make_unique<Adam>(std::vector<OptimizerParamGroup>{OptimizerParamGroup({problem.W}),
                                                                OptimizerParamGroup({problem.b, problem.u})},
                               AdamOptions(0.05).amsgrad(true));
    for (int step = 0; step < 3; ++step) {
      problem.compute_grads(*optimizer);
      optimizer->step();
    }
    state = optimizer->state_dict();
  }
};

TEST(OptimizerLoadStateDict, KeysFollowPyTorchsLayout) {
  Trained trained;
  std::vector<std::string> keys;
  for (const auto& [key, value] : trained.state) keys.push_back(key);
  const std::vector<std::string> expected = {
      "param_groups.0.amsgrad", "param_groups.0.betas",  "param_groups.0.eps",
      "param_groups.0.lr",      "param_groups.0.params", "param_groups.0.weight_decay",
      "param_groups.1.amsgrad", "param_groups.1.betas",  "param_groups.1.eps",
      "param_groups.1.lr",      "param_groups.1.params", "param_groups.1.weight_decay",
      "state.0.exp_avg",        "state.0.exp_avg_sq",    "state.0.max_exp_avg_sq",
      "state.0.step",           "state.1.exp_avg",       "state.1.exp_avg_sq",
      "state.1.max_exp_avg_sq", "state.1.step"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(trained.state.at("state.0.step").dim(), 0);
  EXPECT_EQ(trained.state.at("state.0.step").dtype(), tg::kFloat64);
  EXPECT_EQ(trained.state.at("state.0.step").item<double>(), 3.0);
  EXPECT_EQ(trained.state.at("param_groups.1.params").to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(trained.state.at("param_groups.0.betas").to_vector<double>(), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(trained.state.at("param_groups.0.lr").dim(), 0);
}

TEST(OptimizerLoadStateDict, RejectsBadStateDictsAndChangesNothing) {
  Trained trained;
  const std::map<std::string, tg::Tensor> before = trained.optimizer->state_dict();
  const auto expect_rejected = [&](const std::function<void(std::map<std::string, tg::Tensor>&)>& edit,
                                   const std::string& message) {
    std::map<std::string, tg::Tensor> state = trained.state;
    edit(state);
    expect_error([&] { trained.optimizer->load_state_dict(state); }, message);
    const std::map<std::string, tg::Tensor> after = trained.optimizer->state_dict();
    ASSERT_EQ(after.size(), before.size()) << message;
    for (const auto& [key, value] : before) EXPECT_TRUE(bitwise_equal(after.at(key), value)) << key;
  };
  expect_rejected(
      [](auto& s) {
        s["state.0.exp_avg"] = tg::zeros({4, 3}, tg::kFloat64);
      },
      "Adam.load_state_dict: 'state.0.exp_avg' has shape [4, 3] but parameter 0 has shape [3, 4]");
  expect_rejected([](auto& s) { s["state.1.step"] = tg::zeros({1}, tg::kFloat64); },
                  "'state.1.step' must be a 0-d tensor");
  expect_rejected(
      [](auto& s) { s.erase("state.1.max_exp_avg_sq"); },
      "the state of parameter 1 holds {exp_avg, exp_avg_sq, step} but Adam with these options keeps "
      "{exp_avg, exp_avg_sq, max_exp_avg_sq, step}");
  expect_rejected(
      [](auto& s) {
        s["state.0.momentum_buffer"] = tg::zeros({3, 4}, tg::kFloat64);
      },
      "holds {exp_avg, exp_avg_sq, max_exp_avg_sq, momentum_buffer, step}");
  expect_rejected([](auto& s) { s.erase("param_groups.0.eps"); }, "missing key 'param_groups.0.eps'");
  expect_rejected([](auto& s) { s["param_groups.0.momentum"] = tg::scalar_tensor(0.9, tg::kFloat64); },
                  "unexpected key 'param_groups.0.momentum' for Adam");
  expect_rejected([](auto& s) { s["bogus"] = tg::zeros({1}); }, "unexpected key 'bogus'");
  expect_rejected([](auto& s) { s["state.x.exp_avg"] = tg::zeros({1}); }, "unexpected key 'state.x.exp_avg'");
  expect_rejected([](auto& s) { s["param_groups.0.betas"] = tg::scalar_tensor(0.9, tg::kFloat64); },
                  "'param_groups.0.betas' must hold two values");
  expect_rejected([](auto& s) { s["param_groups.0.amsgrad"] = tg::scalar_tensor(0.5, tg::kFloat64); },
                  "is a flag and must be 0 or 1");
  expect_rejected([](auto& s) { s["param_groups.0.lr"] = tg::scalar_tensor(-1, tg::kFloat64); },
                  "Adam: Invalid learning rate: -1");
  expect_rejected([](auto& s) { s["param_groups.1.params"] = tg::tensor(std::vector<std::int64_t>{1}, {1}); },
                  "parameter group 1 has 1 parameters in the state dict but 2 in the optimizer");
  expect_rejected(
      [](auto& s) {
        for (auto it = s.begin(); it != s.end();)
          it = it->first.starts_with("param_groups.1.") ? s.erase(it) : std::next(it);
      },
      "but the optimizer has 2 parameter groups");
  expect_rejected([](auto& s) { s["state.7.step"] = tg::scalar_tensor(1, tg::kFloat64); },
                  "state for parameter number 7 but its parameter groups do not list that number");
}

TEST(OptimizerLoadStateDict, RejectsAStateDictForOtherShapes) {
  Trained trained;
  const tg::Tensor W = tg::zeros({4, 4}, tg::kFloat64).requires_grad_();
  const tg::Tensor b = tg::zeros({3}, tg::kFloat64).requires_grad_();
  const tg::Tensor u = tg::zeros({2}, tg::kFloat64).requires_grad_();
  Adam other({OptimizerParamGroup({W}), OptimizerParamGroup({b, u})}, AdamOptions(0.05).amsgrad(true));
  expect_error([&] { other.load_state_dict(trained.state); },
               "has shape [3, 4] but parameter 0 has shape [4, 4]");
  SGD sgd({W}, SGDOptions(0.1));
  expect_error([&] { sgd.load_state_dict(trained.state); }, "SGD.load_state_dict");
}

TEST(OptimizerLoadStateDict, CastsBuffersToTheParameterDtypeAndCopiesThem) {
  Trained trained;
  Problem problem;
  Adam optimizer({OptimizerParamGroup({problem.W}), OptimizerParamGroup({problem.b, problem.u})});
  std::map<std::string, tg::Tensor> state = trained.state;
  state["state.0.exp_avg"] = state["state.0.exp_avg"].to(tg::kFloat32);
  optimizer.load_state_dict(state);
  const ParamState* loaded = optimizer.state(problem.W);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->at("exp_avg").dtype(), tg::kFloat64);
  EXPECT_FALSE(loaded->at("exp_avg_sq").is_same(trained.state.at("state.0.exp_avg_sq")));
  EXPECT_TRUE(static_cast<const AdamOptions&>(optimizer.param_groups()[0].options()).amsgrad());
  EXPECT_EQ(optimizer.param_groups()[0].options().lr(), 0.05);
}

}  // namespace
