// tg::autograd::functional (jacobian, hessian, vjp, jvp, vhp, hvp) against closed forms and central
// finite differences, with create_graph, strict mode and inputs the outputs do not depend on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

namespace F = tg::autograd::functional;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using tg::Tensor;
using tg::tensor_list;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor f64(std::initializer_list<double> v, tg::IntArrayRef sizes, bool requires_grad = false) {
  return tg::tensor(v, sizes, tg::dtype(tg::kFloat64).requires_grad(requires_grad));
}

using tg::testing::error_message;

void expect_near(const Tensor& actual, const Tensor& expected, double tolerance = 1e-10) {
  ASSERT_TRUE(actual.defined());
  ASSERT_EQ(actual.sizes(), expected.sizes());
  const auto a = values(actual), e = values(expected);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tolerance) << "element " << i;
}

// Central differences: column k of the result (flattened) is (f(x + h e_k) - f(x - h e_k)) / 2h.
Tensor finite_difference_jacobian(const F::TensorFunction& f, const Tensor& x, double h = 1e-6) {
  tg::NoGradGuard no_grad;
  const Tensor out = f(x);
  Tensor jacobian = tg::zeros({out.numel(), x.numel()}, tg::kFloat64);
  for (std::int64_t k = 0; k < x.numel(); ++k) {
    Tensor plus = x.detach().clone(), minus = x.detach().clone();
    plus.reshape({-1}).narrow(0, k, 1).add_(h);
    minus.reshape({-1}).narrow(0, k, 1).sub_(h);
    const Tensor column = (f(plus) - f(minus)).reshape({-1}) * (1.0 / (2.0 * h));
    jacobian.select(1, k).copy_(column);
  }
  tg::Shape sizes = out.sizes();
  sizes.insert(sizes.end(), x.sizes().begin(), x.sizes().end());
  return jacobian.reshape(sizes);
}

Tensor matrix_a() { return f64({1.0, -2.0, 0.5, 3.0, 0.25, -1.0}, {2, 3}); }
Tensor cube(const Tensor& x) { return x * x * x; }
Tensor cube_sum(const Tensor& x) { return cube(x).sum(); }

// ---------------------------------------------------------------- jacobian

TEST(FunctionalJacobian, ElementwiseCubeIsDiagonal) {
  Tensor x = f64({1.0, -2.0, 0.5}, {3});
  Tensor j = F::jacobian(cube, x);
  expect_near(j, f64({3.0, 0, 0, 0, 12.0, 0, 0, 0, 0.75}, {3, 3}));
  EXPECT_FALSE(j.requires_grad());
}

TEST(FunctionalJacobian, LinearMapIsItsMatrix) {
  const Tensor a = matrix_a();
  Tensor x = f64({0.3, 0.1, -0.7}, {3});
  expect_near(F::jacobian([&](const Tensor& v) { return a.matmul(v); }, x), a);
}

TEST(FunctionalJacobian, ShapeIsOutputShapeThenInputShape) {
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor j = F::jacobian([](const Tensor& v) { return (v * v).sum({1}); }, x);  // [2] <- [2, 3]
  EXPECT_EQ(j.sizes(), (tg::Shape{2, 2, 3}));
  expect_near(j, f64({2, 4, 6, 0, 0, 0, 0, 0, 0, 8, 10, 12}, {2, 2, 3}));
  // A 0-d output gives the gradient's shape; a 0-d input appends nothing.
  EXPECT_EQ(F::jacobian([](const Tensor& v) { return v.sum(); }, x).sizes(), (tg::Shape{2, 3}));
  EXPECT_EQ(F::jacobian([](const Tensor& v) { return v * 2.0; }, f64({1.0}, {})).sizes(), (tg::Shape{}));
}

TEST(FunctionalJacobian, SoftmaxMatchesClosedFormAndFiniteDifferences) {
  Tensor x = f64({0.2, -1.0, 0.7, 1.5}, {4});
  auto softmax = [](const Tensor& v) { return tg::softmax(v, 0); };
  Tensor j = F::jacobian(softmax, x);
  const auto s = values(tg::softmax(x, 0));
  std::vector<double> closed(16);
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 4; ++c) closed[r * 4 + c] = (r == c ? s[r] : 0.0) - s[r] * s[c];
  expect_near(j, tg::tensor(closed, {4, 4}, tg::kFloat64));
  expect_near(j, finite_difference_jacobian(softmax, x), 1e-8);
}

TEST(FunctionalJacobian, NonlinearMatrixFunctionMatchesFiniteDifferences) {
  Tensor x = f64({0.5, -0.3, 0.8, 1.1, -0.6, 0.2}, {3, 2});
  auto f = [](const Tensor& v) { return tg::tanh(v.matmul(v.t())).exp(); };  // [3, 3] <- [3, 2]
  Tensor j = F::jacobian(f, x);
  EXPECT_EQ(j.sizes(), (tg::Shape{3, 3, 3, 2}));
  expect_near(j, finite_difference_jacobian(f, x), 1e-7);
}

TEST(FunctionalJacobian, SeveralInputsAndOutputs) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, -1.0}, {2});
  auto f = [](const tensor_list& in) { return tensor_list{in[0] * in[1], in[0].sum()}; };
  std::vector<tensor_list> j = F::jacobian(f, {a, b});
  ASSERT_EQ(j.size(), 2u);
  ASSERT_EQ(j[0].size(), 2u);
  expect_near(j[0][0], f64({3.0, 0, 0, -1.0}, {2, 2}));  // d(ab)/da = diag(b)
  expect_near(j[0][1], f64({1.0, 0, 0, 2.0}, {2, 2}));   // d(ab)/db = diag(a)
  expect_near(j[1][0], f64({1.0, 1.0}, {2}));
  expect_near(j[1][1], f64({0.0, 0.0}, {2}));  // sum(a) does not depend on b: zeros
  EXPECT_THAT(error_message([&] {
                F::jacobian(f, {a, b}, false, /*strict=*/true);
              }),
              HasSubstr("jacobian: Output 1 of the user-provided function is independent of input 1. This is "
                        "not allowed in strict mode."));
}

TEST(FunctionalJacobian, CreateGraphMakesTheResultDifferentiable) {
  Tensor x = f64({1.0, -2.0}, {2}, /*requires_grad=*/true);
  Tensor j = F::jacobian(cube, x, /*create_graph=*/true);
  ASSERT_TRUE(j.requires_grad());
  j.sum().backward();  // sum of diag(3x^2) -> 6x
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, -12.0));

  // Without create_graph the caller's tensor is left alone.
  Tensor y = f64({1.0, -2.0}, {2}, /*requires_grad=*/true);
  EXPECT_FALSE(F::jacobian(cube, y).requires_grad());
  EXPECT_FALSE(y.grad().defined());
}

TEST(FunctionalJacobian, NonContiguousInputKeepsItsHistory) {
  Tensor base = f64({1.0, 2.0, 3.0, 4.0}, {2, 2}, /*requires_grad=*/true);
  Tensor j = F::jacobian(cube, base.t(), /*create_graph=*/true);  // diag(3 x^2) of the transposed view
  EXPECT_EQ(j.sizes(), (tg::Shape{2, 2, 2, 2}));
  EXPECT_DOUBLE_EQ(j.reshape({4, 4}).select(0, 1).select(0, 1).item<double>(), 27.0);  // x = base[1][0] = 3
  j.sum().backward();
  EXPECT_THAT(values(base.grad()), ElementsAre(6.0, 12.0, 18.0, 24.0));
}

TEST(FunctionalJacobian, WorksUnderNoGradGuard) {
  tg::NoGradGuard no_grad;
  expect_near(F::jacobian(cube, f64({2.0}, {1})), f64({12.0}, {1, 1}));
}

TEST(FunctionalJacobian, StrictErrors) {
  Tensor x = f64({1.0, 2.0}, {2});
  EXPECT_THAT(error_message([&] { F::jacobian([](const Tensor& v) { return v.detach(); }, x, false, true); }),
              HasSubstr("jacobian: Output 0 of the user-provided function does not require gradients. The "
                        "outputs must be computed in a differentiable manner from the input when running in "
                        "strict mode."));
  // A constant output is allowed without strict (zeros).
  expect_near(F::jacobian([](const Tensor& v) { return v.detach(); }, x), tg::zeros({2, 2}, tg::kFloat64));
  // A linear function's Jacobian does not depend on the input: create_graph with strict refuses it.
  EXPECT_THAT(error_message([&] { F::jacobian([](const Tensor& v) { return v * 2.0; }, x, true, true); }),
              HasSubstr("The jacobian of the user-provided function is independent of input 0. This is not "
                        "allowed in strict mode when create_graph=True."));
}

// ---------------------------------------------------------------- hessian

TEST(FunctionalHessian, CubeSumIsDiagonal) {
  Tensor x = f64({1.0, -2.0, 0.5}, {3});
  expect_near(F::hessian(cube_sum, x), f64({6.0, 0, 0, 0, -12.0, 0, 0, 0, 3.0}, {3, 3}));
}

TEST(FunctionalHessian, QuadraticFormIsASymmetrised) {
  const Tensor a = f64({1.0, 2.0, -1.0, 0.5}, {2, 2});
  Tensor x = f64({0.3, -0.4}, {2});
  Tensor h = F::hessian([&](const Tensor& v) { return v.matmul(a.matmul(v)); }, x);
  expect_near(h, a + a.t());
}

TEST(FunctionalHessian, MatchesFiniteDifferencesOfTheGradient) {
  Tensor x = f64({0.4, -0.9, 1.3, 0.2}, {2, 2});
  auto f = [](const Tensor& v) { return (tg::sigmoid(v) * v.exp()).sum(); };
  auto gradient = [&](const Tensor& v) { return F::vjp(f, v).second; };
  Tensor h = F::hessian(f, x);
  EXPECT_EQ(h.sizes(), (tg::Shape{2, 2, 2, 2}));
  expect_near(h, finite_difference_jacobian(gradient, x), 1e-7);
}

TEST(FunctionalHessian, SeveralInputs) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, -1.0, 0.5}, {3});
  // f = (a . a) * sum(b): H_aa = 2 sum(b) I, H_ab = 2 a 1^T, H_bb = 0.
  auto f = [](const tensor_list& in) { return (in[0] * in[0]).sum() * in[1].sum(); };
  std::vector<tensor_list> h = F::hessian(f, {a, b});
  ASSERT_EQ(h.size(), 2u);
  expect_near(h[0][0], f64({5.0, 0, 0, 5.0}, {2, 2}));
  expect_near(h[0][1], f64({2, 2, 2, 4, 4, 4}, {2, 3}));
  expect_near(h[1][0], f64({2, 4, 2, 4, 2, 4}, {3, 2}));
  expect_near(h[1][1], tg::zeros({3, 3}, tg::kFloat64));
}

TEST(FunctionalHessian, CreateGraphMakesTheResultDifferentiable) {
  Tensor x = f64({1.0, 2.0}, {2}, /*requires_grad=*/true);
  Tensor h = F::hessian(cube_sum, x, /*create_graph=*/true);
  ASSERT_TRUE(h.requires_grad());
  h.sum().backward();  // sum of diag(6x) -> 6
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, 6.0));
}

TEST(FunctionalHessian, Errors) {
  Tensor x = f64({1.0, 2.0}, {2});
  EXPECT_THAT(
      error_message([&] { F::hessian(cube, x); }),
      HasSubstr("hessian: The Tensor returned by the function given to hessian should contain a single "
                "element, got shape [2]"));
  auto linear = [](const Tensor& v) { return (v * 3.0).sum(); };
  expect_near(F::hessian(linear, x), tg::zeros({2, 2}, tg::kFloat64));
  EXPECT_THAT(error_message([&] { F::hessian(linear, x, false, /*strict=*/true); }),
              HasSubstr("hessian: While computing the hessian, found that the jacobian of the user-provided "
                        "function with respect to input 0 is independent of the input."));
}

// ---------------------------------------------------------------- vjp / jvp

TEST(FunctionalVjp, LinearMapGivesTransposeTimesV) {
  const Tensor a = matrix_a();
  Tensor x = f64({0.3, 0.1, -0.7}, {3});
  Tensor v = f64({2.0, -1.0}, {2});
  auto [out, vjp] = F::vjp([&](const Tensor& t) { return a.matmul(t); }, x, v);
  expect_near(out, a.matmul(x));
  expect_near(vjp, a.t().matmul(v));
}

TEST(FunctionalVjp, ScalarOutputNeedsNoV) {
  Tensor x = f64({1.0, -2.0}, {2});
  auto [out, vjp] = F::vjp(cube_sum, x);
  EXPECT_DOUBLE_EQ(out.item<double>(), -7.0);
  expect_near(vjp, f64({3.0, 12.0}, {2}));
}

TEST(FunctionalVjp, SeveralInputsAndUnusedInput) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({5.0}, {1});
  auto f = [](const tensor_list& in) { return tensor_list{in[0] * 2.0}; };
  auto [outs, vjps] = F::vjp(f, {a, b}, {f64({1.0, 3.0}, {2})});
  ASSERT_EQ(vjps.size(), 2u);
  expect_near(outs[0], f64({2.0, 4.0}, {2}));
  expect_near(vjps[0], f64({2.0, 6.0}, {2}));
  expect_near(vjps[1], f64({0.0}, {1}));  // b is not used: zeros
  EXPECT_THAT(
      error_message([&] {
        F::vjp(f, {a, b}, {f64({1.0, 3.0}, {2})}, false, true);
      }),
      HasSubstr("vjp: The output of the user-provided function is independent of input 1. This is not "
                "allowed in strict mode."));
}

TEST(FunctionalVjp, CreateGraph) {
  Tensor x = f64({1.0, 2.0}, {2}, /*requires_grad=*/true);
  Tensor v = f64({1.0, -1.0}, {2});
  auto [out, vjp] = F::vjp(cube, x, v, /*create_graph=*/true);
  ASSERT_TRUE(vjp.requires_grad());
  ASSERT_TRUE(out.requires_grad());
  vjp.sum().backward();  // d/dx sum(3x^2 v) = 6 x v
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, -12.0));
}

TEST(FunctionalVjp, Errors) {
  Tensor x = f64({1.0, 2.0}, {2});
  EXPECT_THAT(error_message([&] { F::vjp(cube, x); }),
              HasSubstr("vjp: The vector v can only be None if the user-provided function returns a single "
                        "Tensor with a single element."));
  EXPECT_THAT(error_message([&] {
                F::vjp(cube, x, f64({1.0, 2.0, 3.0}, {3}));
              }),
              HasSubstr("vjp: v has invalid size: should be [2] but got [3]."));
  auto f = [](const tensor_list& in) { return tensor_list{in[0], in[0]}; };
  EXPECT_THAT(error_message([&] { F::vjp(f, {x}, {x}); }),
              HasSubstr("vjp: v is a tuple of invalid length: should be 2 but got 1."));
  EXPECT_THAT(error_message([&] {
                F::vjp(f, {x}, {x, f64({1.0}, {1})});
              }),
              HasSubstr("vjp: Entry 1 in v has invalid size: should be [2] but got [1]."));
}

TEST(FunctionalJvp, LinearMapGivesMatrixTimesV) {
  const Tensor a = matrix_a();
  Tensor x = f64({0.3, 0.1, -0.7}, {3});
  Tensor v = f64({1.0, 0.5, -2.0}, {3});
  auto [out, jvp] = F::jvp([&](const Tensor& t) { return a.matmul(t); }, x, v);
  expect_near(out, a.matmul(x));
  expect_near(jvp, a.matmul(v));
}

TEST(FunctionalJvp, MatchesJacobianTimesV) {
  Tensor x = f64({0.2, -1.0, 0.7, 1.5}, {4});
  Tensor v = f64({1.0, 2.0, -0.5, 0.3}, {4});
  auto softmax = [](const Tensor& t) { return tg::softmax(t, 0); };
  expect_near(F::jvp(softmax, x, v).second, F::jacobian(softmax, x).matmul(v), 1e-12);
  expect_near(F::jvp(cube, x, v).second, f64({0.12, 6.0, -0.735, 2.025}, {4}), 1e-12);
  // The identity: the double-backward trick with the output being the input itself.
  expect_near(F::jvp([](const Tensor& t) { return t; }, x, v).second, v);
  // A one-element input needs no v.
  expect_near(F::jvp(cube, f64({2.0}, {1})).second, f64({12.0}, {1}));
}

TEST(FunctionalJvp, SeveralInputsAndOutputs) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({3.0, -1.0}, {2});
  auto f = [](const tensor_list& in) { return tensor_list{in[0] * in[1], in[0].sum() * 2.0}; };
  auto [outs, jvps] = F::jvp(f, {a, b}, {f64({1.0, 0.0}, {2}), f64({0.0, 1.0}, {2})});
  ASSERT_EQ(jvps.size(), 2u);
  expect_near(jvps[0], f64({3.0, 2.0}, {2}));  // b * va + a * vb
  expect_near(jvps[1], f64({2.0}, {}));
}

TEST(FunctionalJvp, CreateGraphAndStrict) {
  Tensor x = f64({1.0, 2.0}, {2}, /*requires_grad=*/true);
  Tensor v = f64({1.0, 1.0}, {2});
  Tensor jvp = F::jvp(cube, x, v, /*create_graph=*/true).second;
  ASSERT_TRUE(jvp.requires_grad());
  jvp.sum().backward();  // d/dx sum(3x^2) = 6x
  EXPECT_THAT(values(x.grad()), ElementsAre(6.0, 12.0));

  Tensor y = f64({1.0, 2.0}, {2});
  auto constant = [](const tensor_list& in) { return tensor_list{in[0] * 2.0, in[1].detach()}; };
  EXPECT_THAT(error_message([&] {
                F::jvp(constant, {y, y}, {y, y}, false, true);
              }),
              HasSubstr("jvp: Output 1 of the user-provided function does not require gradients."));
  auto ignores_b = [](const tensor_list& in) { return tensor_list{in[0] * 2.0}; };
  auto [outs, jvps] = F::jvp(ignores_b, {y, y}, {v, v});
  expect_near(jvps[0], f64({2.0, 2.0}, {2}));
  EXPECT_THAT(error_message([&] {
                F::jvp(ignores_b, {y, y}, {v, v}, false, true);
              }),
              HasSubstr("jvp: The output of the user-provided function is independent of input 1."));
}

// ---------------------------------------------------------------- vhp / hvp

TEST(FunctionalHvp, CubeSumAndQuadraticForm) {
  Tensor x = f64({1.0, -2.0}, {2});
  Tensor v = f64({0.5, 3.0}, {2});
  auto [out, hvp] = F::hvp(cube_sum, x, v);
  EXPECT_DOUBLE_EQ(out.item<double>(), -7.0);
  expect_near(hvp, f64({3.0, -36.0}, {2}));  // 6x * v
  expect_near(F::vhp(cube_sum, x, v).second, f64({3.0, -36.0}, {2}));

  const Tensor a = f64({1.0, 2.0, -1.0, 0.5}, {2, 2});
  auto quadratic = [&](const Tensor& t) { return t.matmul(a.matmul(t)); };
  expect_near(F::hvp(quadratic, x, v).second, (a + a.t()).matmul(v));
  expect_near(F::vhp(quadratic, x, v).second, (a + a.t()).matmul(v));
}

TEST(FunctionalHvp, MatchesHessianTimesV) {
  Tensor x = f64({0.4, -0.9, 1.3}, {3});
  Tensor v = f64({1.0, -2.0, 0.5}, {3});
  auto f = [](const Tensor& t) { return (tg::sigmoid(t) * t.exp()).sum() + (t.sum() * t.sum()); };
  const Tensor h = F::hessian(f, x);
  expect_near(F::hvp(f, x, v).second, h.matmul(v), 1e-12);
  expect_near(F::vhp(f, x, v).second, v.matmul(h), 1e-12);
}

TEST(FunctionalHvp, SeveralInputsUnusedInputAndStrict) {
  Tensor a = f64({1.0, 2.0}, {2});
  Tensor b = f64({0.5}, {1});
  auto f = [](const tensor_list& in) { return cube_sum(in[0]); };  // b unused
  const tensor_list v{f64({1.0, 1.0}, {2}), f64({2.0}, {1})};
  auto [out, hvp] = F::hvp(f, {a, b}, v);
  expect_near(hvp[0], f64({6.0, 12.0}, {2}));
  expect_near(hvp[1], f64({0.0}, {1}));
  auto [out2, vhp] = F::vhp(f, {a, b}, v);
  expect_near(vhp[0], f64({6.0, 12.0}, {2}));
  expect_near(vhp[1], f64({0.0}, {1}));
  EXPECT_THAT(error_message([&] {
                F::vhp(f, {a, b}, v, false, true);
              }),
              HasSubstr("vhp: The output of the user-provided function is independent of input 1."));
  EXPECT_THAT(error_message([&] {
                F::hvp(f, {a, b}, v, false, true);
              }),
              HasSubstr("hvp: The output of the user-provided function is independent of input 1."));
}

TEST(FunctionalHvp, CreateGraph) {
  Tensor x = f64({1.0, 2.0}, {2}, /*requires_grad=*/true);
  Tensor v = f64({1.0, -1.0}, {2});
  Tensor hvp = F::hvp([](const Tensor& t) { return (t * t * t * t).sum(); }, x, v, true).second;
  ASSERT_TRUE(hvp.requires_grad());
  hvp.sum().backward();  // H v = 12 x^2 v, d/dx sum = 24 x v
  EXPECT_THAT(values(x.grad()), ElementsAre(24.0, -48.0));
  Tensor y = f64({1.0, 2.0}, {2}, /*requires_grad=*/true);
  Tensor vhp = F::vhp([](const Tensor& t) { return (t * t * t * t).sum(); }, y, v, true).second;
  vhp.sum().backward();
  EXPECT_THAT(values(y.grad()), ElementsAre(24.0, -48.0));
}

TEST(FunctionalHvp, Errors) {
  Tensor x = f64({1.0, 2.0}, {2});
  EXPECT_THAT(
      error_message([&] { F::hvp(cube, x, x); }),
      HasSubstr("hvp: The Tensor returned by the function given to hvp should contain a single element"));
  EXPECT_THAT(error_message([&] { F::vhp(cube_sum, x); }),
              HasSubstr("vhp: The vector v can only be None if the input to the user-provided function is a "
                        "single Tensor with a single element."));
  auto linear = [](const Tensor& t) { return (t * 2.0).sum(); };
  expect_near(F::hvp(linear, x, x).second, tg::zeros({2}, tg::kFloat64));
  EXPECT_THAT(
      error_message([&] { F::hvp(linear, x, x, false, true); }),
      HasSubstr("hvp: While computing the hessian, found that the jacobian of the user-provided function "
                "with respect to input 0 is independent of the input."));
}

}  // namespace
