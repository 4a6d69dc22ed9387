// The backward engine: accumulation, retain_graph, grad mode, hooks, autograd::grad, higher-order
// gradients, very deep graphs and memory use of a training loop.
#include <chrono>
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

tg::Tensor leaf(std::initializer_list<double> v) {
  return tg::tensor(v, tg::dtype(tg::kFloat64).requires_grad(true));
}
tg::Tensor constant(std::initializer_list<double> v) { return tg::tensor(v, tg::kFloat64); }

using tg::testing::error_message;

// ---------------------------------------------------------------- graph structure

TEST(Engine, DagAccumulatesEveryPath) {
  tg::Tensor x = leaf({2.0, -1.0});
  // y = x*x + 3x + x: x reaches y along four edges.
  tg::Tensor y = (x * x + x * 3.0 + x).sum();
  y.backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2 * 2.0 + 4, 2 * -1.0 + 4));
}

TEST(Engine, DiamondGraph) {
  tg::Tensor x = leaf({3.0});
  tg::Tensor a = x * 2.0;          // 6
  tg::Tensor b = a * a;            // 36, db/dx = 2a * 2 = 24
  tg::Tensor c = a.exp() * 0.0;    // contributes nothing
  tg::Tensor d = (b + a + c) * a;  // (b + a) * a = 2a^3... d/da = 3a^2 + 2a = 120, d/dx = 240
  d.sum().backward();
  EXPECT_NEAR(x.grad().item<double>(), 240.0, 1e-9);
}

TEST(Engine, GradAccumulatesAcrossBackwardCallsAndCanBeZeroed) {
  tg::Tensor x = leaf({1.0, 2.0});
  (x * x).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 4.0));
  (x * 3.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(5.0, 7.0));
  EXPECT_FALSE(x.grad().requires_grad());

  x.grad().zero_();
  EXPECT_THAT(values(x.grad()), ElementsAre(0.0, 0.0));
  (x * x).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 4.0));

  x.set_grad(tg::Tensor());
  EXPECT_FALSE(x.grad().defined());
  (x * x * x).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(3.0, 12.0));
}

TEST(Engine, GradDoesNotAliasTheCallersGradient) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor g = constant({1.0, 1.0});
  (x + 1.0).backward(g);  // AddBackward passes g straight through
  (x + 1.0).backward(g);  // accumulating must not write into g
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 2.0));
  EXPECT_THAT(values(g), ElementsAre(1.0, 1.0));
}

// Regression: with create_graph the leaf accumulators stored the incoming gradient itself, so two leaves
// fed by one AddBackward (or a leaf and the caller's gradient tensor) shared a .grad buffer, and the next
// backward's in-place accumulation wrote into both.
TEST(Engine, CreateGraphGradientsAreNotShared) {
  tg::Tensor a = leaf({1.0});
  tg::Tensor b = leaf({1.0});
  (a + b).backward({}, std::nullopt, /*create_graph=*/true);
  EXPECT_FALSE(tg::detail::impl_of(a.grad())->storage == tg::detail::impl_of(b.grad())->storage);
  (a * 1.0).backward();
  EXPECT_DOUBLE_EQ(a.grad().item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(b.grad().item<double>(), 1.0);

  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor g = constant({0.5, 0.25});
  (x + 1.0).backward(g, std::nullopt, /*create_graph=*/true);
  EXPECT_THAT(values(x.grad()), ElementsAre(0.5, 0.25));
  (x * 1.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(1.5, 1.25));
  EXPECT_THAT(values(g), ElementsAre(0.5, 0.25));  // the caller's tensor is untouched
}

TEST(Engine, BackwardFromALeaf) {
  tg::Tensor x = leaf({3.0});
  x.backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(tg::autograd::grad({x}, {x})[0].item<double>(), 1.0);
}

TEST(Engine, BackwardInsideNoGradGuardStillComputesGradients) {
  tg::Tensor x = leaf({3.0});
  tg::Tensor y = (x * x).sum();
  tg::NoGradGuard no_grad;
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 6.0);
  EXPECT_FALSE(tg::GradMode::is_enabled());  // restored after the engine ran
}

TEST(Engine, SecondBackwardWithoutRetainGraphThrows) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor y = (x * x).sum();
  y.backward();
  const std::string message = error_message([&] { y.backward(); });
  EXPECT_THAT(message, HasSubstr("retain_graph"));
  EXPECT_THAT(message, HasSubstr("MulBackward"));
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 4.0));  // the failed call added nothing
}

TEST(Engine, RetainGraphAllowsASecondBackward) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 4.0));
  y.backward({}, /*retain_graph=*/true);
  EXPECT_THAT(values(x.grad()), ElementsAre(4.0, 8.0));
  y.backward();  // the last one may free the graph
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, 12.0));
  EXPECT_THAT(error_message([&] { y.backward(); }), HasSubstr("retain_graph"));
}

TEST(Engine, BackwardOnNonScalarNeedsAGradient) {
  tg::Tensor x = leaf({1.0, 2.0, 3.0});
  tg::Tensor y = x * 2.0;
  EXPECT_THAT(error_message([&] { y.backward(); }),
              HasSubstr("grad can be implicitly created only for scalar outputs, but the tensor computed by "
                        "MulBackward has shape [3]"));
  EXPECT_FALSE(x.grad().defined());
  // A one-element tensor of any rank is fine.
  (x.sum().reshape({1, 1}) * 2.0).backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 2.0, 2.0));
}

TEST(Engine, BackwardWithExplicitGradient) {
  tg::Tensor x = leaf({1.0, 2.0, 3.0});
  tg::Tensor y = x * x;
  y.backward(constant({1.0, 0.5, -2.0}));
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 2.0, -12.0));

  tg::Tensor z = x * 2.0;
  EXPECT_THAT(error_message([&] {
                z.backward(constant({1.0, 2.0}));
              }),
              HasSubstr("backward: gradient has shape [2] but the tensor has shape [3]"));
  EXPECT_THAT(error_message([&] { z.backward(tg::ones({3})); }),
              HasSubstr("backward: gradient is float32 but the tensor is float64"));

  // Several roots at once: sum of vector-Jacobian products.
  tg::Tensor w = leaf({1.0, 1.0});
  tg::autograd::backward({w * 2.0, w * w}, {constant({1.0, 1.0}), constant({3.0, -1.0})});
  EXPECT_THAT(values(w.grad()), ElementsAre(2.0 + 6.0, 2.0 - 2.0));
}

TEST(Engine, BackwardOnTensorNotRequiringGradThrows) {
  tg::Tensor x = constant({1.0, 2.0});
  EXPECT_THAT(error_message([&] { (x * x).sum().backward(); }),
              HasSubstr("backward: the tensor does not require grad and has no grad_fn"));
  EXPECT_THAT(error_message([] { tg::Tensor().backward(); }),
              HasSubstr("backward: called on an undefined tensor"));
}

TEST(Engine, GradientsOfViewsAndBroadcasts) {
  tg::Tensor x =
      tg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}, tg::dtype(tg::kFloat64).requires_grad(true));
  tg::Tensor b = leaf({10.0, 20.0, 30.0});
  // t(), select, slice and a broadcast add.
  tg::Tensor y =
      (x.t().select(0, 1) * 2.0).sum() + (x.slice(1, 1, 3) * x.slice(1, 1, 3)).sum() + (x + b).sum();
  y.backward();
  // d/dx: column 1 gets 2; columns 1-2 get 2x; everything gets 1 (from x + b).
  EXPECT_THAT(values(x.grad()), ElementsAre(1, 2 + 4 + 1, 6 + 1, 1, 2 + 10 + 1, 12 + 1));
  EXPECT_THAT(values(b.grad()), ElementsAre(2.0, 2.0, 2.0));  // summed over the broadcast rows
}

// ---------------------------------------------------------------- grad mode

TEST(GradModeTest, NoGradGuardRecordsNothing) {
  tg::Tensor x = leaf({1.0, 2.0});
  EXPECT_TRUE(tg::GradMode::is_enabled());
  tg::Tensor y;
  {
    tg::NoGradGuard no_grad;
    EXPECT_FALSE(tg::GradMode::is_enabled());
    y = x * x + 1.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_TRUE(y.is_leaf());
    EXPECT_THAT(values(y), ElementsAre(2.0, 5.0));  // values are still computed
  }
  EXPECT_TRUE(tg::GradMode::is_enabled());
  EXPECT_THAT(error_message([&] { y.sum().backward(); }), HasSubstr("does not require grad"));
  tg::Tensor z = x * x;
  EXPECT_TRUE(z.requires_grad());
  EXPECT_EQ(z.grad_fn_name(), "MulBackward");
}

TEST(GradModeTest, NestedGuardsRestore) {
  tg::Tensor x = leaf({1.0});
  {
    tg::NoGradGuard outer;
    {
      tg::AutoGradMode enable(true);
      EXPECT_TRUE(tg::GradMode::is_enabled());
      EXPECT_TRUE((x * 2.0).requires_grad());
      {
        tg::NoGradGuard inner;
        EXPECT_FALSE((x * 2.0).requires_grad());
      }
      EXPECT_TRUE(tg::GradMode::is_enabled());
    }
    EXPECT_FALSE(tg::GradMode::is_enabled());
    {
      tg::NoGradGuard again;
      EXPECT_FALSE(tg::GradMode::is_enabled());
    }
    EXPECT_FALSE(tg::GradMode::is_enabled());
  }
  EXPECT_TRUE(tg::GradMode::is_enabled());
}

TEST(GradModeTest, GuardRestoresModeWhenAnExceptionUnwinds) {
  try {
    tg::NoGradGuard no_grad;
    throw tg::Error("boom");
  } catch (const tg::Error&) {
  }
  EXPECT_TRUE(tg::GradMode::is_enabled());
}

TEST(GradModeTest, IsThreadLocal) {
  tg::NoGradGuard no_grad;
  ASSERT_FALSE(tg::GradMode::is_enabled());
  bool other_thread_enabled = false;
  bool other_thread_recorded = false;
  double other_thread_grad = 0;
  std::thread worker([&] {
    other_thread_enabled = tg::GradMode::is_enabled();
    tg::Tensor w = leaf({3.0});
    tg::Tensor y = w * w;
    other_thread_recorded = y.requires_grad();
    y.backward();
    other_thread_grad = w.grad().item<double>();
  });
  worker.join();
  EXPECT_TRUE(other_thread_enabled);
  EXPECT_TRUE(other_thread_recorded);
  EXPECT_DOUBLE_EQ(other_thread_grad, 6.0);
  EXPECT_FALSE(tg::GradMode::is_enabled());  // the worker did not change this thread's mode
}

// ---------------------------------------------------------------- leaves, detach, requires_grad

TEST(Autograd, DetachSharesStorageButCutsTheGraph) {
  tg::Tensor x = leaf({2.0, 3.0});
  tg::Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.raw_data(), x.raw_data());

  tg::Tensor y = (x * x.detach()).sum();  // only the first factor carries gradient
  y.backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(2.0, 3.0));

  tg::Tensor h = x * 2.0;
  tg::Tensor hd = h.detach();
  EXPECT_EQ(hd.grad_fn(), nullptr);
  EXPECT_FALSE(hd.requires_grad());
  hd.fill_(0.0);  // allowed: the detached alias does not require grad
  EXPECT_THAT(values(h), ElementsAre(0.0, 0.0));
}

TEST(Autograd, RequiresGradAndIsLeaf) {
  tg::Tensor x = tg::tensor({1.0, 2.0}, tg::kFloat64);
  EXPECT_FALSE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  EXPECT_TRUE(x.requires_grad_().requires_grad());
  EXPECT_TRUE(x.is_leaf());
  tg::Tensor y = x * 2.0;
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(y.requires_grad());
  EXPECT_THAT(
      error_message([&] { y.requires_grad_(false); }),
      HasSubstr("cannot turn off requires_grad of a non-leaf tensor (it was computed by MulBackward)"));
  x.requires_grad_(false);
  EXPECT_FALSE(x.requires_grad());
  EXPECT_FALSE((x * 2.0).requires_grad());
  tg::Tensor z = tg::zeros({2}) + tg::ones({2});
  EXPECT_TRUE(z.is_leaf());  // computed without grad: still a leaf

  EXPECT_THAT(error_message([] { tg::arange(3).requires_grad_(); }),
              HasSubstr("only float32/float64 tensors can require gradients, got a int64 tensor"));
  tg::Tensor f = tg::zeros({1}, tg::kFloat32);
  f.requires_grad_();
  EXPECT_TRUE(f.requires_grad());
}

TEST(Autograd, GradFnNames) {
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::dtype(tg::kFloat64).requires_grad(true));
  EXPECT_EQ(x.grad_fn(), nullptr);
  EXPECT_EQ(x.grad_fn_name(), "");
  EXPECT_EQ((x * x).grad_fn_name(), "MulBackward");
  EXPECT_EQ((x + x).grad_fn_name(), "AddBackward");
  EXPECT_EQ((x - 1.0).grad_fn_name(), "AddBackward");
  EXPECT_EQ((x / x).grad_fn_name(), "DivBackward");
  EXPECT_EQ((-x).grad_fn_name(), "NegBackward");
  EXPECT_EQ(x.sum().grad_fn_name(), "SumBackward");
  EXPECT_EQ(x.mean().grad_fn_name(), "MeanBackward");
  EXPECT_EQ(x.matmul(x).grad_fn_name(), "MmBackward");
  EXPECT_EQ(x.view({4}).grad_fn_name(), "ViewBackward");
  EXPECT_EQ(x.transpose(0, 1).grad_fn_name(), "TransposeBackward");
  EXPECT_EQ(x.select(0, 1).grad_fn_name(), "SelectBackward");
  EXPECT_EQ(x.exp().grad_fn_name(), "ExpBackward");
  EXPECT_EQ(x.tanh().grad_fn_name(), "TanhBackward");
  EXPECT_EQ(x.relu().grad_fn_name(), "ReluBackward");
  EXPECT_EQ(x.clone().grad_fn_name(), "CloneBackward");
  EXPECT_EQ(x.to(tg::kFloat32).grad_fn_name(), "ToCopyBackward");

  // The node links to the producers of its inputs.
  tg::Tensor a = x * 2.0;
  tg::Tensor b = a * x;
  auto fn = b.grad_fn();
  ASSERT_NE(fn, nullptr);
  ASSERT_EQ(fn->next_edges().size(), 2u);
  EXPECT_EQ(fn->next_edges()[0].function, a.grad_fn());
  EXPECT_EQ(fn->next_edges()[1].function->name(), "AccumulateGrad");
  EXPECT_TRUE(fn->needs_input_grad(0));
  tg::Tensor c = a * tg::ones({2, 2}, tg::kFloat64);
  EXPECT_FALSE(c.grad_fn()->needs_input_grad(1));
}

// ---------------------------------------------------------------- hooks and retain_grad

TEST(Hooks, LeafHookInspectsAndReplaces) {
  tg::Tensor x = leaf({1.0, 2.0});
  std::vector<double> seen;
  x.register_hook([&seen](const tg::Tensor& g) { seen = values(g); });
  x.register_hook([](const tg::Tensor& g) { return g * 2.0; });
  (x * x).sum().backward();
  EXPECT_THAT(seen, ElementsAre(2.0, 4.0));              // the first hook saw the raw gradient
  EXPECT_THAT(values(x.grad()), ElementsAre(4.0, 8.0));  // the second doubled it before accumulation
}

TEST(Hooks, NonLeafHookChangesWhatFlowsUpstream) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor y = x * 3.0;
  std::vector<double> seen;
  y.register_hook([&seen](const tg::Tensor& g) { seen = values(g); });
  y.register_hook([](const tg::Tensor& g) { return g * 2.0; });
  (y * y).sum().backward();
  EXPECT_THAT(seen, ElementsAre(6.0, 12.0));                              // d(y^2)/dy = 2y
  EXPECT_THAT(values(x.grad()), ElementsAre(2 * 6.0 * 3, 2 * 12.0 * 3));  // doubled, then times 3
  EXPECT_FALSE(y.grad().defined());  // a hook does not retain the gradient

  EXPECT_THAT(error_message([] { tg::zeros({1}).register_hook([](const tg::Tensor&) {}); }),
              HasSubstr("cannot register a hook on a tensor that does not require grad"));
}

// Regression: a leaf hook's replacement was stored as .grad whatever its shape.
TEST(Hooks, LeafHookMustKeepTheShape) {
  tg::Tensor x = leaf({1.0, 2.0});
  x.register_hook([](const tg::Tensor&) { return tg::ones({5}, tg::kFloat64); });
  EXPECT_THAT(
      error_message([&] { (x * x).sum().backward(); }),
      HasSubstr("register_hook: a hook returned a gradient of shape [5] (float64) for a tensor of shape [2] "
                "(float64)"));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Hooks, HookOnOneOutputOfAMultiUseTensorSeesTheSum) {
  tg::Tensor x = leaf({2.0});
  tg::Tensor y = x * 1.0;
  double seen = 0;
  y.register_hook([&seen](const tg::Tensor& g) { seen = g.item<double>(); });
  (y * 3.0 + y * 4.0).backward();
  EXPECT_DOUBLE_EQ(seen, 7.0);
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 7.0);
}

TEST(Hooks, RetainGradOnNonLeaf) {
  tg::Tensor x = leaf({1.0, -2.0});
  tg::Tensor y = x * 3.0;
  tg::Tensor z = x * 5.0;  // not retained
  y.retain_grad();
  ((y * y).sum() + z.sum()).backward({}, /*retain_graph=*/true);
  EXPECT_THAT(values(y.grad()), ElementsAre(6.0, -12.0));
  EXPECT_FALSE(y.grad().requires_grad());
  EXPECT_FALSE(z.grad().defined());
  EXPECT_THAT(values(x.grad()), ElementsAre(18.0 + 5, -36.0 + 5));
  // Retained gradients accumulate like leaf gradients.
  ((y * y).sum() + z.sum()).backward();
  EXPECT_THAT(values(y.grad()), ElementsAre(12.0, -24.0));
  // retain_grad on a leaf is a no-op (leaves keep their gradient anyway).
  x.retain_grad();
  EXPECT_THAT(error_message([] { tg::zeros({1}).retain_grad(); }), HasSubstr("does not require grad"));
}

TEST(Hooks, RetainedTensorDoesNotLeakItsGraph) {
  const std::int64_t before = tg::Storage::live_count();
  {
    tg::Tensor x = leaf({1.0, 2.0});
    tg::Tensor y = x * 3.0;
    y.retain_grad();
    y.sum().backward();
    EXPECT_THAT(values(y.grad()), ElementsAre(1.0, 1.0));
  }
  EXPECT_EQ(tg::Storage::live_count(), before);
}

// ---------------------------------------------------------------- autograd::grad

TEST(Hooks, PostAccumulateGradHookSeesTheAccumulatedGradient) {
  auto x = leaf({1, 2});
  std::vector<std::vector<double>> seen;
  const unsigned handle = x.register_post_accumulate_grad_hook([&](const tg::Tensor& t) {
    EXPECT_TRUE(t.is_same(x));
    seen.push_back(values(t.grad()));
  });
  (x * constant({3, 4})).sum().backward();
  (x * x).sum().backward();  // accumulates: 3 + 2, 4 + 4
  x.remove_post_accumulate_grad_hook(handle);
  (x * 1.0).sum().backward();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_THAT(seen[0], ElementsAre(3.0, 4.0));
  EXPECT_THAT(seen[1], ElementsAre(5.0, 8.0));
}

TEST(Hooks, PostAccumulateGradHookRunsAfterTheGradientHooks) {
  auto x = leaf({1});
  x.register_hook([](const tg::Tensor& g) { return g * 10.0; });
  double seen = 0;
  x.register_post_accumulate_grad_hook([&](const tg::Tensor& t) { seen = t.grad().item<double>(); });
  (x * 2.0).sum().backward();
  EXPECT_EQ(seen, 20.0);
}

TEST(Hooks, PostAccumulateGradHookOnlyOnLeavesThatRequireGrad) {
  auto x = leaf({1});
  auto y = x * 2.0;
  EXPECT_THAT(error_message([&] { y.register_post_accumulate_grad_hook([](const tg::Tensor&) {}); }),
              HasSubstr("post accumulate grad hooks cannot be registered on non-leaf tensors"));
  EXPECT_THAT(
      error_message([&] { constant({1}).register_post_accumulate_grad_hook([](const tg::Tensor&) {}); }),
      HasSubstr("doesn't require gradient"));
  EXPECT_THAT(error_message([&] { x.remove_post_accumulate_grad_hook(3); }),
              HasSubstr("no hook at position 3"));
}

TEST(FinalCallbacks, RunAfterEveryNodeBeforeBackwardReturns) {
  auto a = leaf({1});
  auto b = leaf({2});
  std::vector<std::string> order;
  a.register_post_accumulate_grad_hook([&](const tg::Tensor&) {
    order.push_back("a");
    tg::autograd::Engine::get_default_engine().queue_callback([&] {
      order.push_back("callback sees b.grad = " + std::to_string(b.grad().item<double>()));
      tg::autograd::Engine::get_default_engine().queue_callback(
          [&] { order.push_back("queued by a callback"); });
    });
  });
  b.register_post_accumulate_grad_hook([&](const tg::Tensor&) { order.push_back("b"); });
  (b * 3.0 + a * b).sum().backward();
  ASSERT_EQ(order.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(order.begin(), order.begin() + 2),
              ::testing::UnorderedElementsAre("a", "b"));
  EXPECT_EQ(order[2], "callback sees b.grad = 4.000000");
  EXPECT_EQ(order[3], "queued by a callback");
}

TEST(FinalCallbacks, OnlyDuringABackwardPass) {
  EXPECT_THAT(error_message([] { tg::autograd::Engine::get_default_engine().queue_callback([] {}); }),
              HasSubstr("Final callbacks can only be installed during backward pass."));
}

TEST(AutogradGrad, ReturnsGradientsWithoutTouchingDotGrad) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor w = leaf({3.0, 4.0});
  tg::Tensor y = (x * x * w).sum();
  tg::tensor_list g = tg::autograd::grad({y}, {x, w});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_THAT(values(g[0]), ElementsAre(6.0, 16.0));  // 2 x w
  EXPECT_THAT(values(g[1]), ElementsAre(1.0, 4.0));   // x^2
  EXPECT_FALSE(g[0].requires_grad());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  // Without retain_graph the graph was freed.
  EXPECT_THAT(error_message([&] { y.backward(); }), HasSubstr("retain_graph"));
}

TEST(AutogradGrad, WithGradOutputsAndNonLeafInputs) {
  tg::Tensor x = leaf({1.0, 2.0, 3.0});
  tg::Tensor h = x * 2.0;
  tg::Tensor y = h * h;
  tg::tensor_list g = tg::autograd::grad({y}, {h, x}, {constant({1.0, 0.0, -1.0})}, /*retain_graph=*/true);
  EXPECT_THAT(values(g[0]), ElementsAre(4.0, 0.0, -12.0));  // 2h * v
  EXPECT_THAT(values(g[1]), ElementsAre(8.0, 0.0, -24.0));  // 2h * v * 2
  // retain_graph kept the graph: backward still works and fills .grad.
  y.sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(8.0, 16.0, 24.0));
}

TEST(AutogradGrad, AllowUnused) {
  tg::Tensor x = leaf({1.0, 2.0});
  tg::Tensor unused = leaf({5.0, 6.0});
  tg::Tensor y = (x * x).sum();
  const std::string message = error_message([&] { tg::autograd::grad({y}, {x, unused}, {}, true); });
  EXPECT_THAT(message, HasSubstr("input 1 (shape [2]) was not used to compute the outputs"));
  EXPECT_THAT(message, HasSubstr("allow_unused=true"));
  tg::tensor_list g = tg::autograd::grad({y}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_THAT(values(g[0]), ElementsAre(2.0, 4.0));
  EXPECT_FALSE(g[1].defined());

  EXPECT_THAT(error_message([&] { tg::autograd::grad({y}, {constant({1.0})}, {}, true); }),
              HasSubstr("grad: input 0 does not require grad"));
}

TEST(AutogradGrad, RunsLeafHooksOnCapturedGradients) {
  tg::Tensor x = leaf({1.0, 2.0});
  x.register_hook([](const tg::Tensor& g) { return g * 10.0; });
  tg::tensor_list g = tg::autograd::grad({(x * x).sum()}, {x});
  EXPECT_THAT(values(g[0]), ElementsAre(20.0, 40.0));
  EXPECT_FALSE(x.grad().defined());
}

TEST(HigherOrder, SecondDerivativeOfCube) {
  tg::Tensor x = leaf({-1.0, 0.5, 2.0});
  tg::Tensor y = x.pow(3.0).sum();
  tg::tensor_list g = tg::autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_TRUE(g[0].requires_grad());
  EXPECT_THAT(values(g[0]), Pointwise(DoubleNear(1e-12), std::vector<double>{3.0, 0.75, 12.0}));
  tg::tensor_list g2 = tg::autograd::grad({g[0].sum()}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_THAT(values(g2[0]), Pointwise(DoubleNear(1e-12), std::vector<double>{-6.0, 3.0, 12.0}));  // 6x
  tg::tensor_list g3 = tg::autograd::grad({g2[0].sum()}, {x});
  EXPECT_THAT(values(g3[0]), Pointwise(DoubleNear(1e-12), std::vector<double>{6.0, 6.0, 6.0}));
}

TEST(HigherOrder, SecondDerivativeThroughNonlinearities) {
  // d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh(x)^2); d2/dx2 exp(x) = exp(x); d2/dx2 x*sigmoid(x) by formula.
  tg::Tensor x = leaf({0.3, -0.7});
  tg::Tensor g = tg::autograd::grad({x.tanh().sum()}, {x}, {}, std::nullopt, true)[0];
  tg::Tensor g2 = tg::autograd::grad({g.sum()}, {x})[0];
  for (int i = 0; i < 2; ++i) {
    const double v = values(x)[static_cast<std::size_t>(i)];
    const double t = std::tanh(v);
    EXPECT_NEAR(values(g2)[static_cast<std::size_t>(i)], -2 * t * (1 - t * t), 1e-12);
  }
  tg::Tensor e = tg::autograd::grad({x.exp().sum()}, {x}, {}, std::nullopt, true)[0];
  tg::Tensor e2 = tg::autograd::grad({e.sum()}, {x})[0];
  EXPECT_THAT(values(e2), Pointwise(DoubleNear(1e-12), std::vector<double>{std::exp(0.3), std::exp(-0.7)}));
}

TEST(HigherOrder, BackwardWithCreateGraph) {
  tg::Tensor x = leaf({2.0});
  x.pow(3.0).sum().backward({}, std::nullopt, /*create_graph=*/true);
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 12.0);  // 3x^2
  EXPECT_TRUE(x.grad().requires_grad());
  tg::Tensor g2 = tg::autograd::grad({x.grad().sum()}, {x})[0];
  EXPECT_DOUBLE_EQ(g2.item<double>(), 12.0);  // 6x
  // As in PyTorch, backward(create_graph=true) makes a cycle x -> x.grad -> its graph -> x; clearing
  // the gradient breaks it (autograd::grad avoids it altogether).
  x.mutable_grad() = tg::Tensor();
}

TEST(HigherOrder, GradientPenalty) {
  // f = sum(w * x^2): df/dx = 2 w x; penalty = sum((df/dx)^2) = sum(4 w^2 x^2).
  tg::Tensor x = leaf({1.0, -2.0, 0.5});
  tg::Tensor w = leaf({0.5, 1.5, -1.0});
  tg::Tensor f = (w * x * x).sum();
  tg::Tensor dfdx = tg::autograd::grad({f}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_THAT(values(dfdx), Pointwise(DoubleNear(1e-12), std::vector<double>{1.0, -6.0, -1.0}));
  tg::Tensor penalty = (dfdx * dfdx).sum();
  EXPECT_NEAR(penalty.item<double>(), 1 + 36 + 1, 1e-12);
  penalty.backward();
  // d/dw = 8 w x^2, d/dx = 8 w^2 x.
  EXPECT_THAT(values(w.grad()), Pointwise(DoubleNear(1e-12), std::vector<double>{4.0, 48.0, -2.0}));
  EXPECT_THAT(values(x.grad()), Pointwise(DoubleNear(1e-12), std::vector<double>{2.0, -36.0, 4.0}));
}

TEST(HigherOrder, GradientPenaltyThroughLinearAndTanh) {
  // out = sum(tanh(x W^T + b)); g = d out / d x; penalty = sum(g^2). Check d penalty / d b
  // against central finite differences.
  tg::manual_seed(3);
  tg::Tensor x = tg::randn({4, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor weight = tg::randn({2, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor bias = tg::randn({2}, tg::kFloat64).requires_grad_();
  auto penalty_of = [&](const tg::Tensor& b, bool create_graph) {
    tg::Tensor out = tg::linear(x, weight, b).tanh().sum();
    tg::Tensor g = tg::autograd::grad({out}, {x}, {}, std::nullopt, create_graph)[0];
    return (g * g).sum();
  };
  penalty_of(bias, true).backward();
  ASSERT_TRUE(bias.grad().defined());
  const auto analytical = values(bias.grad());
  for (std::int64_t k = 0; k < 2; ++k) {
    const double eps = 1e-6;
    auto shifted = [&](double delta) {
      tg::Tensor b = bias.detach().clone();
      b.select(0, k).add_(delta);
      b.requires_grad_();
      return penalty_of(b, false).item<double>();
    };
    const double numerical = (shifted(eps) - shifted(-eps)) / (2 * eps);
    EXPECT_NEAR(analytical[static_cast<std::size_t>(k)], numerical, 1e-6);
  }
}

// ---------------------------------------------------------------- deep graphs

TEST(DeepGraph, HundredThousandNodeChainBackwardAndDestruction) {
  const int n = 100000;
  tg::Tensor x = leaf({1.0});
  const std::int64_t live_before = tg::Storage::live_count();
  tg::Tensor y = x;
  for (int i = 0; i < n; ++i) y = y * 1.0001;
  EXPECT_NEAR(y.item<double>(), std::pow(1.0001, n), 1e-6 * std::pow(1.0001, n));
  y.backward();
  EXPECT_NEAR(x.grad().item<double>(), std::pow(1.0001, n), 1e-6 * std::pow(1.0001, n));
  y = tg::Tensor();                                       // destroys the 100k-node graph
  EXPECT_EQ(tg::Storage::live_count(), live_before + 1);  // only x.grad remains
}

TEST(DeepGraph, ChainDestroyedWithoutBackward) {
  const std::int64_t before = tg::Storage::live_count();
  {
    tg::Tensor x = leaf({0.0});
    tg::Tensor y = x;
    for (int i = 0; i < 100000; ++i) y = y + 1.0;
    EXPECT_DOUBLE_EQ(y.item<double>(), 100000.0);
  }
  EXPECT_EQ(tg::Storage::live_count(), before);
}

// Regression: a node whose producer was shared (two edges to it, or a residual connection) released
// it only after draining the destruction queue, which destroyed the graph recursively.
TEST(DeepGraph, ChainWhereEachNodeHasTwoEdgesToItsProducer) {
  tg::Tensor x = leaf({3.0});
  const std::int64_t live_before = tg::Storage::live_count();
  {
    tg::Tensor y = x;
    for (int i = 0; i < 50000; ++i) y = (y + y) * 0.5;  // 100k nodes
    EXPECT_DOUBLE_EQ(y.item<double>(), 3.0);
    y.backward();
    EXPECT_DOUBLE_EQ(x.grad().item<double>(), 1.0);
  }  // destroyed after backward
  {
    tg::Tensor y = x;
    for (int i = 0; i < 50000; ++i) y = (y + y) * 0.5;
  }                                                       // and without
  EXPECT_EQ(tg::Storage::live_count(), live_before + 1);  // only x.grad remains
}

TEST(DeepGraph, ChainOfOpsWithSavedTensors) {
  // Each MulBackward saves the previous output (which holds the previous node).
  tg::Tensor x = leaf({1.0});
  tg::Tensor w = leaf({1.0});
  tg::Tensor y = x;
  for (int i = 0; i < 34000; ++i) y = (y * w).tanh() + y;  // ~100k nodes
  y.backward();
  EXPECT_TRUE(std::isfinite(x.grad().item<double>()));
  EXPECT_GT(x.grad().item<double>(), 1.0);
  EXPECT_TRUE(std::isfinite(w.grad().item<double>()));

  const std::int64_t before = tg::Storage::live_count();
  {
    tg::Tensor z = x;
    for (int i = 0; i < 34000; ++i) z = (z * w).tanh() + z;
  }  // destroyed without backward: the saved tensors still hold the graph together
  EXPECT_EQ(tg::Storage::live_count(), before);
}

// ---------------------------------------------------------------- memory

TEST(Memory, TrainingLoopLiveStorageCountIsFlat) {
  tg::manual_seed(0);
  // XOR-like regression with a 2-8-1 tanh MLP.
  tg::Tensor inputs = tg::tensor({0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0}, {4, 2});
  tg::Tensor targets = tg::tensor({0.0, 1.0, 1.0, 0.0}, {4, 1});
  tg::Tensor w1 = (tg::randn({8, 2}) * 0.8).detach().requires_grad_();
  tg::Tensor b1 = tg::zeros({8}, tg::requires_grad());
  tg::Tensor w2 = (tg::randn({1, 8}) * 0.8).detach().requires_grad_();
  tg::Tensor b2 = tg::zeros({1}, tg::requires_grad());
  const std::vector<tg::Tensor> params{w1, b1, w2, b2};

  const double lr = 0.2;
  std::int64_t live_at_100 = -1;
  double first_loss = 0, last_loss = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int iteration = 1; iteration <= 10000; ++iteration) {
    {
      tg::Tensor hidden = tg::linear(inputs, w1, b1).tanh();
      tg::Tensor prediction = tg::linear(hidden, w2, b2);
      tg::Tensor loss = tg::mse_loss(prediction, targets);
      loss.backward();
      {
        tg::NoGradGuard no_grad;
        for (const tg::Tensor& p : params) {
          p.sub_(p.grad(), lr);
          p.grad().zero_();
        }
      }
      if (iteration == 1) first_loss = loss.item<double>();
      last_loss = loss.item<double>();
    }
    if (iteration == 100) live_at_100 = tg::Storage::live_count();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(tg::Storage::live_count(), live_at_100);
  EXPECT_LT(last_loss, 0.01);  // it actually trained
  EXPECT_GT(first_loss, 0.1);
  EXPECT_LT(seconds, 20.0);  // generous: the loop takes well under a second in release builds
}

TEST(Memory, CrossEntropyLoopIsFlatToo) {
  tg::manual_seed(1);
  tg::Tensor x = tg::randn({16, 5});
  tg::Tensor labels = tg::randint(0, 3, {16});
  tg::Tensor w = (tg::randn({3, 5}) * 0.1).detach().requires_grad_();
  tg::Tensor b = tg::zeros({3}, tg::requires_grad());
  std::int64_t live_at_100 = -1;
  double first = 0, last = 0;
  for (int iteration = 1; iteration <= 2000; ++iteration) {
    {
      tg::Tensor loss = tg::cross_entropy(tg::linear(x, w, b), labels);
      loss.backward();
      tg::NoGradGuard no_grad;
      for (const tg::Tensor& p : {w, b}) {
        p.sub_(p.grad(), 0.5);
        p.grad().zero_();
      }
      if (iteration == 1) first = loss.item<double>();
      last = loss.item<double>();
    }
    if (iteration == 100) live_at_100 = tg::Storage::live_count();
  }
  EXPECT_EQ(tg::Storage::live_count(), live_at_100);
  EXPECT_LT(last, first);
}

// Note [Accumulator cache]: a thread's remembered accumulators must never leak into another leaf, even
// one that the block pool placed at a dead leaf's address, and one leaf keeps one accumulator.
TEST(AccumulatorCache, LeavesAtReusedAddressesGetTheirOwnGradients) {
  for (int i = 1; i <= 200; ++i) {
    tg::Tensor w = tg::full({2}, static_cast<double>(i), tg::requires_grad());
    (w * w).sum().backward();
    ASSERT_EQ(w.grad().to_vector<float>(), (std::vector<float>{2.0f * i, 2.0f * i})) << i;
  }
}

TEST(AccumulatorCache, OneAccumulatorPerLeafWhileAlive) {
  tg::Tensor w = tg::ones({3}, tg::requires_grad());
  tg::Tensor a = w * 2, b = w + 1;
  EXPECT_EQ(a.grad_fn()->next_edges()[0].function, b.grad_fn()->next_edges()[0].function);
  a = tg::Tensor(), b = tg::Tensor();  // the accumulator expires with the graphs
  tg::Tensor c = w * 3;
  ASSERT_NE(c.grad_fn()->next_edges()[0].function, nullptr);
  c.sum().backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{3, 3, 3}));
}

TEST(AccumulatorCache, ThreadsShareLeavesAndAgreeOnTheAccumulator) {
  tg::Tensor w = tg::ones({4}, tg::requires_grad());
  std::vector<std::shared_ptr<tg::autograd::Node>> seen(4);
  std::vector<tg::Tensor> losses(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      tg::Tensor y = w * 1.0;
      seen[t] = y.grad_fn()->next_edges()[0].function;
      losses[t] = y.sum();
    });
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  seen.clear();
  for (auto& loss : losses) loss.backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{4, 4, 4, 4}));
}

}  // namespace
