// Custom ops written as tg::autograd::Function<Derived>, checked with gradcheck / gradgradcheck.
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using tg::Tensor;
using tg::tensor_list;
using tg::autograd::AutogradContext;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor f64(std::initializer_list<double> v, tg::IntArrayRef sizes, bool requires_grad = true) {
  return tg::tensor(v, sizes, tg::dtype(tg::kFloat64).requires_grad(requires_grad));
}

using tg::testing::error_message;

// y = scale * x * sigmoid(beta * x): Swish with a learnable beta (any shape that broadcasts to x) and
// a non-tensor scale.
struct ScaledSwish : tg::autograd::Function<ScaledSwish> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& beta, double scale) {
    ctx->save_for_backward({x, beta});
    ctx->saved_data["scale"] = scale;
    return x * tg::sigmoid(beta * x) * scale;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->saved_tensors();
    const Tensor& x = saved[0];
    const Tensor& beta = saved[1];
    const double scale = ctx->saved_data["scale"].toDouble();
    const Tensor s = tg::sigmoid(beta * x);
    const Tensor g = grad_outputs[0] * scale;
    Tensor dx, dbeta;
    if (ctx->needs_input_grad(0)) dx = g * (s + x * beta * s * (1.0 - s));
    if (ctx->needs_input_grad(1)) dbeta = tg::sum_to(g * x * x * s * (1.0 - s), beta.sizes());
    return {dx, dbeta, Tensor()};  // nothing for the double
  }
};

// The same function from built-in ops, as a reference.
Tensor reference_swish(const Tensor& x, const Tensor& beta, double scale) {
  return x * tg::sigmoid(beta * x) * scale;
}

// exp, saving its own output for backward.
struct MyExp : tg::autograd::Function<MyExp> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = x.exp();
    ctx->save_for_backward({y});
    return y;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    return {grad_outputs[0] * ctx->saved_tensors()[0]};
  }
};

// a * b with a wrong gradient for b (it should be g * a).
struct WrongMul : tg::autograd::Function<WrongMul> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->saved_tensors();
    return {grad_outputs[0] * saved[1], grad_outputs[0] * saved[1]};
  }
};

// Returns one gradient for two inputs.
struct TooFewGradients : tg::autograd::Function<TooFewGradients> {
  static Tensor forward(AutogradContext*, const Tensor& a, const Tensor& b) { return a * b; }
  static tensor_list backward(AutogradContext*, tensor_list grad_outputs) { return {grad_outputs[0]}; }
};

// Returns a gradient of the wrong shape / dtype.
struct WrongShapeGradient : tg::autograd::Function<WrongShapeGradient> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list) { return {tg::ones({5}, tg::kFloat64)}; }
};
struct WrongDtypeGradient : tg::autograd::Function<WrongDtypeGradient> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0].to(tg::kFloat32)}; }
};

// k * a * b with the non-tensor k in the middle; records what needs_input_grad said.
struct ScaledProduct : tg::autograd::Function<ScaledProduct> {
  inline static std::vector<bool> forward_needs, backward_needs;
  inline static bool forward_grad_mode = true;
  static Tensor forward(AutogradContext* ctx, const Tensor& a, double k, const Tensor& b) {
    forward_needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
    forward_grad_mode = tg::GradMode::is_enabled();
    ctx->save_for_backward({a, b});
    ctx->saved_data["k"] = k;
    return a * b * k;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    backward_needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
    const tensor_list saved = ctx->saved_tensors();
    const double k = ctx->saved_data["k"].toDouble();
    Tensor da, db;
    if (ctx->needs_input_grad(0)) da = grad_outputs[0] * saved[1] * k;
    if (ctx->needs_input_grad(1)) db = grad_outputs[0] * saved[0] * k;  // b is tensor input 1
    return {da, Tensor(), db};
  }
};

// Two outputs {2x, 3x}; records which output gradients arrived defined.
struct TwoOutputs : tg::autograd::Function<TwoOutputs> {
  inline static std::vector<bool> defined_grads;
  static tensor_list forward(AutogradContext* ctx, const Tensor& x, bool materialize) {
    ctx->set_materialize_grads(materialize);
    return {x * 2.0, x * 3.0};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    defined_grads = {g[0].defined(), g[1].defined()};
    Tensor grad;
    if (g[0].defined()) grad = g[0] * 2.0;
    if (g[1].defined()) grad = grad.defined() ? grad + g[1] * 3.0 : g[1] * 3.0;
    return {grad, Tensor()};
  }
};

// Values with their (non-differentiable) int64 indices and a float mask marked non-differentiable.
struct WithNonDifferentiable : tg::autograd::Function<WithNonDifferentiable> {
  static tensor_list forward(AutogradContext* ctx, const Tensor& x) {
    Tensor doubled = x * 2.0;
    Tensor indices = tg::argmax(x);
    Tensor mask = x.sign();
    ctx->mark_non_differentiable({mask});
    return {doubled, indices, mask};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};

// Returns its input unchanged.
struct Identity : tg::autograd::Function<Identity> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0]}; }
};

// Saves one value of every SavedValue kind and checks them in backward.
struct SavesEverything : tg::autograd::Function<SavesEverything> {
  inline static bool checked = false;
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->saved_data["double"] = 0.25;
    ctx->saved_data["int"] = std::int64_t{7};
    ctx->saved_data["small int"] = 3;
    ctx->saved_data["bool"] = true;
    ctx->saved_data["string"] = "hello";
    ctx->saved_data["ints"] = std::vector<std::int64_t>{1, 2, 3};
    ctx->saved_data["tensor"] = tg::full({2}, 4.0, tg::kFloat64);
    return x * 1.0;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto& data = ctx->saved_data;
    EXPECT_DOUBLE_EQ(data["double"].toDouble(), 0.25);
    EXPECT_EQ(data["int"].toInt(), 7);
    EXPECT_EQ(data["small int"].toInt(), 3);
    EXPECT_TRUE(data["bool"].toBool());
    EXPECT_EQ(data["string"].toStringRef(), "hello");
    EXPECT_THAT(data["ints"].toIntVector(), ElementsAre(1, 2, 3));
    EXPECT_THAT(values(data["tensor"].toTensor()), ElementsAre(4.0, 4.0));
    checked = true;
    return {g[0] * data["tensor"].toTensor()};
  }
};

// ---------------------------------------------------------------- forward and backward

TEST(CustomFunction, SwishForwardAndBackwardMatchBuiltInOps) {
  tg::manual_seed(11);
  Tensor x = tg::randn({3, 4}, tg::kFloat64).requires_grad_();
  Tensor beta = tg::full({1}, 0.7, tg::dtype(tg::kFloat64).requires_grad(true));

  Tensor y = ScaledSwish::apply(x, beta, 1.5);
  EXPECT_THAT(y.grad_fn_name(), HasSubstr("ScaledSwishBackward"));
  EXPECT_FALSE(y.is_leaf());
  EXPECT_THAT(values(y), Pointwise(DoubleNear(1e-12), values(reference_swish(x, beta, 1.5))));

  // Mixed with built-in ops on both sides.
  (ScaledSwish::apply(x.tanh(), beta, 1.5).pow(2.0).sum() + x.sum()).backward();
  const auto custom_dx = values(x.grad()), custom_dbeta = values(beta.grad());
  x.set_grad(Tensor());
  beta.set_grad(Tensor());
  (reference_swish(x.tanh(), beta, 1.5).pow(2.0).sum() + x.sum()).backward();
  EXPECT_THAT(custom_dx, Pointwise(DoubleNear(1e-12), values(x.grad())));
  EXPECT_THAT(custom_dbeta, Pointwise(DoubleNear(1e-12), values(beta.grad())));
  EXPECT_THAT(beta.grad().sizes(), ElementsAre(1));
}

TEST(CustomFunction, SwishGradcheck) {
  tg::manual_seed(12);
  Tensor x = tg::randn({2, 3}, tg::kFloat64).requires_grad_();
  Tensor beta = tg::tensor({0.8, -1.2, 0.3}, tg::dtype(tg::kFloat64).requires_grad(true));  // per column
  Tensor scalar_beta = tg::full({1}, 1.1, tg::dtype(tg::kFloat64).requires_grad(true));
  auto fn = [](const tensor_list& in) { return ScaledSwish::apply(in[0], in[1], 1.5); };
  EXPECT_GRADCHECK(fn, {x, beta});
  EXPECT_GRADCHECK(fn, {x, scalar_beta});
  EXPECT_GRADGRADCHECK(fn, {x, beta});
  EXPECT_GRADGRADCHECK(fn, {x, scalar_beta});
  // Only one of the inputs requiring grad.
  EXPECT_GRADCHECK(fn, {x, beta.detach()});
  EXPECT_GRADCHECK(fn, {x.detach(), beta});
  // Composed with built-in ops.
  auto composed = [](const tensor_list& in) {
    return (ScaledSwish::apply(in[0].tanh(), in[1], -0.5) * in[0]).sum(tg::IntArrayRef{1});
  };
  EXPECT_GRADCHECK(composed, {x, beta});
  EXPECT_GRADGRADCHECK(composed, {x, beta});
}

TEST(CustomFunction, SavingAnOutput) {
  Tensor x = f64({0.5, -1.0, 2.0}, {3});
  Tensor y = MyExp::apply(x);
  EXPECT_THAT(y.grad_fn_name(), HasSubstr("MyExpBackward"));
  y.sum().backward();
  EXPECT_THAT(values(x.grad()), Pointwise(DoubleNear(1e-12), values(x.exp())));
  auto fn = [](const tensor_list& in) { return MyExp::apply(in[0]); };
  EXPECT_GRADCHECK(fn, {x});
  EXPECT_GRADGRADCHECK(fn, {x});  // the saved output carries its history again under create_graph
  // d2/dx2 exp(x) = exp(x)
  Tensor g = tg::autograd::grad({MyExp::apply(x).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor g2 = tg::autograd::grad({g.sum()}, {x})[0];
  EXPECT_THAT(values(g2), Pointwise(DoubleNear(1e-12), values(x.exp())));
}

TEST(CustomFunction, SavedOutputMakesNoReferenceCycle) {
  Tensor x = f64({0.5, -1.0}, {2});
  const std::int64_t before = tg::Storage::live_count();
  {
    Tensor y = MyExp::apply(x);
    Tensor z = MyExp::apply(y * 2.0);
  }  // never backwarded
  EXPECT_EQ(tg::Storage::live_count(), before);
  {
    Tensor y = MyExp::apply(x);
    y.sum().backward();
  }
  x.set_grad(Tensor());
  EXPECT_EQ(tg::Storage::live_count(), before);
}

TEST(CustomFunction, SavedData) {
  Tensor x = f64({1.0, 2.0}, {2});
  SavesEverything::checked = false;
  SavesEverything::apply(x).sum().backward();
  EXPECT_TRUE(SavesEverything::checked);
  EXPECT_THAT(values(x.grad()), ElementsAre(4.0, 4.0));

  tg::autograd::SavedValue value(2.5);
  EXPECT_DOUBLE_EQ(value.toDouble(), 2.5);
  EXPECT_THAT(error_message([&] { value.toInt(); }), HasSubstr("IValue: expected Int but got Double"));
  EXPECT_THAT(error_message([] { tg::autograd::SavedValue().toTensor(); }),
              HasSubstr("IValue: expected Tensor but got None"));
}

TEST(CustomFunction, NeedsInputGradCountsTensorInputsOnly) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, 4.0}, {2}, /*requires_grad=*/false);
  Tensor y = ScaledProduct::apply(a, 0.5, b);
  EXPECT_FALSE(ScaledProduct::forward_grad_mode);  // forward runs without recording
  EXPECT_TRUE(tg::GradMode::is_enabled());
  EXPECT_THAT(ScaledProduct::forward_needs, ElementsAre(true, false));
  y.sum().backward();
  EXPECT_THAT(ScaledProduct::backward_needs, ElementsAre(true, false));
  EXPECT_THAT(values(a.grad()), ElementsAre(1.5, 2.0));
  EXPECT_FALSE(b.grad().defined());

  Tensor c = f64({1.0, 1.0}, {2});
  ScaledProduct::apply(b, 2.0, c).sum().backward();
  EXPECT_THAT(ScaledProduct::forward_needs, ElementsAre(false, true));
  EXPECT_THAT(ScaledProduct::backward_needs, ElementsAre(false, true));
  EXPECT_THAT(values(c.grad()), ElementsAre(6.0, 8.0));
}

TEST(CustomFunction, NothingRecordedWhenNoInputRequiresGrad) {
  Tensor a = f64({1.0, 2.0}, {2}, false);
  Tensor y = ScaledProduct::apply(a, 3.0, a);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_THAT(values(y), ElementsAre(3.0, 12.0));

  Tensor w = f64({1.0, 2.0}, {2});
  tg::NoGradGuard no_grad;
  EXPECT_FALSE(ScaledProduct::apply(w, 3.0, w).requires_grad());
}

TEST(CustomFunction, WrongNumberOfGradientsThrows) {
  Tensor a = f64({1.0}, {1});
  Tensor b = f64({2.0}, {1});
  const std::string message = error_message([&] { TooFewGradients::apply(a, b).backward(); });
  EXPECT_THAT(
      message,
      HasSubstr("TooFewGradientsBackward returned an incorrect number of gradients (expected 2, got 1)"));
  EXPECT_THAT(message, HasSubstr("one per forward argument"));
}

TEST(CustomFunction, GradientOfWrongShapeOrDtypeThrows) {
  Tensor x = f64({1.0, 2.0, 3.0}, {3});
  EXPECT_THAT(error_message([&] { WrongShapeGradient::apply(x).sum().backward(); }),
              HasSubstr("returned a gradient of shape [5] for input 0; expected [3]"));
  EXPECT_THAT(error_message([&] { WrongDtypeGradient::apply(x).sum().backward(); }),
              HasSubstr("returned a float32 gradient for input 0; expected float64"));
}

TEST(CustomFunction, SavedTensorsAreCheckedLikeBuiltInOnes) {
  Tensor x = f64({1.0, 2.0}, {2}, /*requires_grad=*/false);
  Tensor beta = tg::full({1}, 0.5, tg::dtype(tg::kFloat64).requires_grad(true));
  Tensor y = ScaledSwish::apply(x, beta, 1.0);
  x.mul_(3.0);
  const std::string modified = error_message([&] { y.sum().backward(); });
  EXPECT_THAT(modified, HasSubstr("modified by an in-place operation"));
  EXPECT_THAT(modified, HasSubstr("ScaledSwishBackward"));

  Tensor z = ScaledSwish::apply(x, beta, 1.0).sum();
  z.backward();
  EXPECT_THAT(error_message([&] { z.backward(); }), HasSubstr("retain_graph"));
}

TEST(CustomFunction, MultipleOutputsAndMaterializedGradients) {
  Tensor x = f64({1.0, 2.0}, {2});
  tensor_list outs = TwoOutputs::apply(x, true);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].output_nr(), 0u);
  EXPECT_EQ(outs[1].output_nr(), 1u);
  EXPECT_EQ(outs[0].grad_fn(), outs[1].grad_fn());
  (outs[0] * outs[1]).sum().backward();  // d(6x^2)/dx = 12x
  EXPECT_THAT(TwoOutputs::defined_grads, ElementsAre(true, true));
  EXPECT_THAT(values(x.grad()), ElementsAre(12.0, 24.0));

  x.set_grad(Tensor());
  TwoOutputs::apply(x, true)[1].sum().backward();  // output 0 unused: its gradient arrives as zeros
  EXPECT_THAT(TwoOutputs::defined_grads, ElementsAre(true, true));
  EXPECT_THAT(values(x.grad()), ElementsAre(3.0, 3.0));

  x.set_grad(Tensor());
  TwoOutputs::apply(x, false)[1].sum().backward();  // ... or undefined without materialization
  EXPECT_THAT(TwoOutputs::defined_grads, ElementsAre(false, true));
  EXPECT_THAT(values(x.grad()), ElementsAre(3.0, 3.0));

  auto fn = [](const tensor_list& in) { return TwoOutputs::apply(in[0], true); };
  EXPECT_GRADCHECK(fn, {x});
  EXPECT_GRADGRADCHECK(fn, {x});
}

TEST(CustomFunction, NonDifferentiableOutputs) {
  Tensor x = f64({-1.0, 3.0, 2.0}, {3});
  tensor_list outs = WithNonDifferentiable::apply(x);
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_TRUE(outs[0].requires_grad());
  EXPECT_FALSE(outs[1].requires_grad());  // int64
  EXPECT_EQ(outs[1].item<std::int64_t>(), 1);
  EXPECT_FALSE(outs[2].requires_grad());  // marked
  EXPECT_EQ(outs[2].grad_fn(), nullptr);
  EXPECT_THAT(values(outs[2]), ElementsAre(-1.0, 1.0, 1.0));
  (outs[0] * outs[2]).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(-2.0, 2.0, 2.0));
}

TEST(CustomFunction, ReturningAnInputKeepsTheInputALeaf) {
  Tensor x = f64({1.0, 2.0}, {2});
  Tensor y = Identity::apply(x);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_EQ(x.grad_fn(), nullptr);
  EXPECT_FALSE(y.is_leaf());
  EXPECT_THAT(y.grad_fn_name(), HasSubstr("IdentityBackward"));
  EXPECT_EQ(y.raw_data(), x.raw_data());  // same memory, new autograd identity
  (y * 3.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(3.0, 3.0));
}

// ---------------------------------------------------------------- gradcheck catches a wrong backward

TEST(CustomFunction, GradcheckReportsWrongBackward) {
  // WrongMul's gradient for b is g * b instead of g * a: it is wrong exactly where a != b.
  Tensor a = f64({1.0, 2.0, 3.0, 4.0}, {2, 2});
  Tensor b = f64({1.0, 2.0, 3.0, 7.0}, {2, 2});
  auto fn = [](const tensor_list& in) { return WrongMul::apply(in[0], in[1]); };

  tg::autograd::GradcheckOptions options;
  options.raise_exception = false;
  tg::autograd::GradcheckResult result = tg::autograd::gradcheck(fn, {a, b}, options);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_THAT(result.message, HasSubstr("Jacobian mismatch for output 0 element [1, 1] (shape [2, 2])"));
  EXPECT_THAT(result.message, HasSubstr("with respect to input 1 element [1, 1] (shape [2, 2])"));
  EXPECT_THAT(result.message, HasSubstr("analytical 7, numerical 4"));
  EXPECT_THAT(result.message, HasSubstr("1 Jacobian entry differ"));

  // A wrong gradient everywhere is reported at its first element, with the count.
  Tensor c = f64({5.0, 6.0, 7.0, 8.0}, {2, 2});
  result = tg::autograd::gradcheck(fn, {a, c}, options);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.message, HasSubstr("with respect to input 1 element [0, 0]"));
  EXPECT_THAT(result.message, HasSubstr("analytical 5, numerical 1"));
  EXPECT_THAT(result.message, HasSubstr("4 Jacobian entries differ"));

  // Input 0 alone is fine.
  EXPECT_TRUE(tg::autograd::gradcheck(fn, {a, b.detach()}, options).ok);
  EXPECT_TRUE(result.message.find("input 0 element") == std::string::npos);

  // The GoogleTest helper fails with the same report.
  ::testing::AssertionResult assertion = tg::testing::gradcheck_passes(fn, {a, b});
  EXPECT_FALSE(assertion);
  EXPECT_THAT(assertion.message(), HasSubstr("input 1 element [1, 1]"));
}

TEST(CustomFunction, GradcheckThrowsByDefault) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, 5.0}, {2});
  auto fn = [](const tensor_list& in) { return WrongMul::apply(in[0], in[1]); };
  const std::string message = error_message([&] { tg::autograd::gradcheck(fn, {a, b}); });
  EXPECT_THAT(message, HasSubstr("with respect to input 1 element [0]"));
  EXPECT_THROW(tg::autograd::gradcheck(fn, {a, b}), std::runtime_error);
}

TEST(CustomFunction, GradcheckRequiresFloat64) {
  Tensor x = tg::tensor({1.0, 2.0}, tg::requires_grad());
  auto fn = [](const tensor_list& in) { return MyExp::apply(in[0]); };
  tg::autograd::GradcheckOptions options;
  options.raise_exception = false;
  auto result = tg::autograd::gradcheck(fn, {x}, options);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.message, HasSubstr("input 0 is float32; finite differences need float64 inputs"));
  result = tg::autograd::gradcheck(fn, {x.detach().to(tg::kFloat64)}, options);
  EXPECT_FALSE(result.ok);
  EXPECT_THAT(result.message, HasSubstr("no input requires grad"));
}

// ---------------------------------------------------------------- libtorch's AutogradContext surface

// x *= k in place (x is returned and marked dirty); d/dx = k.
struct ScaleInPlace : tg::autograd::Function<ScaleInPlace> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double k) {
    x.mul_(k);
    ctx->mark_dirty({x});
    ctx->saved_data["k"] = k;
    return x;
  }
  static tg::autograd::variable_list backward(AutogradContext* ctx, tg::autograd::variable_list g) {
    return {g[0] * ctx->saved_data["k"].toDouble(), Tensor()};
  }
};

// target += source in place; the target may be a tensor that does not require grad.
struct AddInto : tg::autograd::Function<AddInto> {
  static Tensor forward(AutogradContext* ctx, Tensor target, const Tensor& source) {
    target.add_(source);
    ctx->mark_dirty({target});
    return target;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};

// Marks its input dirty but returns a new tensor.
struct DirtyNotReturned : tg::autograd::Function<DirtyNotReturned> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    x.mul_(2.0);
    ctx->mark_dirty({x});
    return x * 1.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0]}; }
};

TEST(CustomFunctionMarkDirty, ReturnedTensorTakesTheNewHistory) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = a * 2.0;
  const std::int64_t version = b._version();
  Tensor r = ScaleInPlace::apply(b, 3.0);
  EXPECT_TRUE(r.is_same(b));  // the same tensor, not a copy
  EXPECT_GT(b._version(), version);
  ASSERT_NE(b.grad_fn(), nullptr);
  EXPECT_THAT(std::string(b.grad_fn()->name()), HasSubstr("ScaleInPlaceBackward"));
  EXPECT_THAT(values(b), ElementsAre(6.0, 12.0));
  (b * b).sum().backward();  // (6a)^2 -> 72a
  EXPECT_THAT(values(a.grad()), ElementsAre(72.0, 144.0));
}

TEST(CustomFunctionMarkDirty, RetainedGradIsTheNewValuesGradient) {
  // As PyTorch: b.retain_grad(); S.apply(b) (in place, x3); (b*b).sum().backward() gives b.grad = 2b.
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = a * 2.0;
  b.retain_grad();
  ScaleInPlace::apply(b, 3.0);
  EXPECT_TRUE(b.retains_grad());
  (b * b).sum().backward();
  EXPECT_THAT(values(b.grad()), ElementsAre(12.0, 24.0));
  EXPECT_THAT(values(a.grad()), ElementsAre(72.0, 144.0));
}

TEST(CustomFunctionMarkDirty, EarlierNodesThatSavedTheTensorDetectTheChange) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = a * 2.0;
  Tensor c = b * b;  // saves b
  ScaleInPlace::apply(b, 3.0);
  EXPECT_THAT(error_message([&] { c.sum().backward(); }), HasSubstr("modified by an in-place operation"));
}

TEST(CustomFunctionMarkDirty, TensorWithoutGradJoinsTheGraph) {
  Tensor target = tg::zeros({2}, tg::kFloat64);
  Tensor w = f64({1.0, -2.0}, {2});
  AddInto::apply(target, w);
  EXPECT_TRUE(target.requires_grad());
  EXPECT_FALSE(target.is_leaf());
  (target * target).sum().backward();
  EXPECT_THAT(values(w.grad()), ElementsAre(2.0, -4.0));

  auto fn = [](const tensor_list& in) { return AddInto::apply(in[0] * 1.0, in[1]); };
  Tensor x = f64({0.5, 1.5, -1.0}, {3});
  Tensor y = f64({2.0, 0.25, 1.0}, {3});
  EXPECT_GRADCHECK(fn, {x, y});
}

TEST(CustomFunctionMarkDirty, Errors) {
  Tensor leaf = f64({1.0}, {1});
  EXPECT_THAT(error_message([&] { ScaleInPlace::apply(leaf, 2.0); }),
              HasSubstr("a leaf Variable that requires grad has been used in an in-place operation"));
  Tensor y = f64({1.0}, {1}) * 1.0;
  EXPECT_THAT(
      error_message([&] { DirtyNotReturned::apply(y); }),
      HasSubstr("Some elements marked as dirty during the forward method were not returned as output"));
}

TEST(CustomFunctionMarkDirty, WithoutRecordingOnlyTheVersionChanges) {
  Tensor x = f64({1.0, 2.0}, {2});
  tg::NoGradGuard no_grad;
  const std::int64_t version = x._version();
  ScaleInPlace::apply(x, 2.0);  // a leaf under NoGradGuard may be modified, as with built-in ops
  EXPECT_GT(x._version(), version);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_THAT(values(x), ElementsAre(2.0, 4.0));
}

// Returns more gradients than forward had arguments (the extras undefined), or a defined one too many.
struct ExtraGradients : tg::autograd::Function<ExtraGradients> {
  inline static int mode = 0;
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
    ctx->save_for_backward({x});
    ctx->saved_data["k"] = k;
    return x * k;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    EXPECT_EQ(ctx->get_saved_variables().size(), 1u);
    const Tensor dx = g[0] * ctx->saved_data["k"].toDouble();
    if (mode == 0) return {dx, Tensor(), Tensor(), Tensor()};
    if (mode == 1) return {dx, Tensor(), dx};
    return {dx, dx};  // a gradient for the double
  }
};

TEST(CustomFunction, ExtraUndefinedGradientsAreAccepted) {
  Tensor x = f64({1.0, 2.0}, {2});
  ExtraGradients::mode = 0;
  ExtraGradients::apply(x, 4.0).sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(4.0, 4.0));

  ExtraGradients::mode = 1;
  EXPECT_THAT(error_message([&] { ExtraGradients::apply(x, 4.0).sum().backward(); }),
              HasSubstr("returned an incorrect number of gradients (expected 2, got 3)"));
  ExtraGradients::mode = 2;
  EXPECT_THAT(
      error_message([&] { ExtraGradients::apply(x, 4.0).sum().backward(); }),
      HasSubstr("returned a defined gradient at position 2, but the corresponding forward argument is "
                "not a tensor"));
}

// k * sum of a tensor_list: each element is one tensor input, as in libtorch.
struct ScaledSum : tg::autograd::Function<ScaledSum> {
  inline static std::vector<bool> needs;
  static Tensor forward(AutogradContext* ctx, double k, const tensor_list& xs, std::optional<Tensor> bias) {
    ctx->saved_data["k"] = k;
    ctx->saved_data["has_bias"] = bias.has_value();
    Tensor out = xs[0] * k;
    for (std::size_t i = 1; i < xs.size(); ++i) out = out + xs[i] * k;
    return bias ? out + *bias : out;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const double k = ctx->saved_data["k"].toDouble();
    needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
    // One slot per argument, including the (absent) optional bias.
    return {Tensor(), g[0] * k, g[0] * k, ctx->saved_data["has_bias"].toBool() ? g[0] : Tensor()};
  }
};

TEST(CustomFunction, TensorListAndOptionalArguments) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, 4.0}, {2}, /*requires_grad=*/false);
  Tensor bias = f64({0.5, 0.5}, {2});
  Tensor y = ScaledSum::apply(2.0, tensor_list{a, b}, std::optional<Tensor>(bias));
  EXPECT_THAT(values(y), ElementsAre(8.5, 12.5));
  y.sum().backward();
  EXPECT_THAT(ScaledSum::needs, ElementsAre(true, false));
  EXPECT_THAT(values(a.grad()), ElementsAre(2.0, 2.0));
  EXPECT_THAT(values(bias.grad()), ElementsAre(1.0, 1.0));
  EXPECT_FALSE(b.grad().defined());

  a.set_grad(Tensor());
  ScaledSum::apply(3.0, tensor_list{a, a}, std::optional<Tensor>()).sum().backward();
  EXPECT_THAT(values(a.grad()), ElementsAre(6.0, 6.0));
}

struct AsksOutOfRange : tg::autograd::Function<AsksOutOfRange> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double) {
    ctx->needs_input_grad(1);  // the double is not a tensor input
    return x * 1.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], Tensor()}; }
};

TEST(CustomFunction, NeedsInputGradOutOfRangeThrows) {
  Tensor x = f64({1.0}, {1});
  EXPECT_THAT(
      error_message([&] { AsksOutOfRange::apply(x, 1.0); }),
      HasSubstr("needs_input_grad: Index out of range: tensor input 1 of a custom function with 1 tensor "
                "inputs"));
}

TEST(IValue, HoldsEachKindAndNamesItOnWrongAccess) {
  EXPECT_TRUE(tg::IValue().isNone());
  EXPECT_EQ(tg::IValue().tagKind(), "None");
  tg::IValue d(0.5), i(std::int64_t{7}), small(3), b(false), s("text"), s2(std::string("more"));
  EXPECT_TRUE(d.isDouble());
  EXPECT_DOUBLE_EQ(d.toDouble(), 0.5);
  EXPECT_TRUE(i.isInt());
  EXPECT_EQ(i.toInt(), 7);
  EXPECT_TRUE(small.isInt());
  EXPECT_EQ(small.toInt(), 3);
  EXPECT_TRUE(b.isBool());
  EXPECT_FALSE(b.toBool());
  EXPECT_TRUE(s.isString());
  EXPECT_EQ(s.toStringRef(), "text");
  EXPECT_EQ(s2.toStringRef(), "more");

  Tensor t = tg::zeros({2, 3});
  tg::IValue sizes(t.sizes()), ints(std::vector<std::int64_t>{4, 5}), tensor(t);
  EXPECT_TRUE(sizes.isIntList());
  EXPECT_THAT(sizes.toIntVector(), ElementsAre(2, 3));
  EXPECT_THAT(ints.toIntVector(), ElementsAre(4, 5));
  EXPECT_TRUE(tensor.isTensor());
  EXPECT_TRUE(tensor.toTensor().is_same(t));
  tg::IValue doubles(std::vector<double>{1.5}), tensors(tensor_list{t, t});
  EXPECT_THAT(doubles.toDoubleVector(), ElementsAre(1.5));
  EXPECT_EQ(tensors.toTensorVector().size(), 2u);
  EXPECT_EQ(tensors.tagKind(), "TensorList");

  EXPECT_THAT(error_message([&] { d.toInt(); }), HasSubstr("IValue: expected Int but got Double"));
  EXPECT_THAT(error_message([&] { i.toDouble(); }), HasSubstr("IValue: expected Double but got Int"));
  EXPECT_THAT(error_message([&] { s.toTensor(); }), HasSubstr("IValue: expected Tensor but got String"));
  EXPECT_THAT(error_message([&] { tensor.toIntVector(); }), HasSubstr("expected IntList but got Tensor"));
  EXPECT_THAT(error_message([&] { b.toStringRef(); }), HasSubstr("expected String but got Bool"));
}

}  // namespace
