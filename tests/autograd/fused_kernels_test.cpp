// The fused kernels of gelu, softmax, log_softmax and cross_entropy: float32 (polynomial exp/erf)
// against float64 (C library), extreme inputs, and the fused backward (grad mode off) against the
// differentiable backward that create_graph uses. Shapes above the OpenMP threshold run the parallel path.
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

// |a - b| <= atol + rtol |b| for every element; reports the first offender.
::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.sizes() != expected.sizes()) return ::testing::AssertionFailure() << "shapes differ";
  const auto a = actual.to(tg::kFloat64).to_vector<double>();
  const auto b = expected.to(tg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - b[i]) <= atol + rtol * std::abs(b[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

// Gradient of sum(f(x) * weights) with respect to x, by the fused kernel (create_graph off) or by the
// differentiable formula (create_graph on).
Tensor gradient(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, const Tensor& weights,
                bool create_graph) {
  const Tensor leaf = x.detach().requires_grad_();
  const Tensor y = f(leaf);
  return tg::autograd::grad({y}, {leaf}, {weights}, std::nullopt, create_graph)[0].detach();
}

struct RowOp {
  std::string name;
  std::function<Tensor(const Tensor&)> fn;
};

std::vector<RowOp> row_ops() {
  const Tensor targets = tg::randint(0, 1024, {40});
  return {
      {"gelu", [](const Tensor& x) { return tg::gelu(x); }},
      {"gelu_tanh", [](const Tensor& x) { return tg::gelu(x, "tanh"); }},
      {"softmax", [](const Tensor& x) { return tg::softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return tg::log_softmax(x, -1); }},
      {"cross_entropy_mean", [targets](const Tensor& x) { return tg::cross_entropy(x, targets); }},
      {"cross_entropy_sum", [targets](const Tensor& x) { return tg::cross_entropy(x, targets, tg::kSum); }},
      {"cross_entropy_none", [targets](const Tensor& x) { return tg::cross_entropy(x, targets, tg::kNone); }},
  };
}

// [40, 1024] = 40,960 elements: above the parallel threshold; values up to +-12 reach gelu's tails.
Tensor wide_input(tg::Dtype dtype) { return (tg::randn({40, 1024}, dtype) * 4.0).clamp(-12.0, 12.0); }

TEST(FusedKernels, Float32MatchesFloat64ForwardAndBackward) {
  tg::manual_seed(3);
  for (const RowOp& op : row_ops()) {
    SCOPED_TRACE(op.name);
    const Tensor x64 = wide_input(tg::kFloat64);
    const Tensor x32 = x64.to(tg::kFloat32);
    const Tensor y64 = op.fn(x64).detach();
    const Tensor weights64 = tg::randn(y64.sizes(), tg::kFloat64);
    EXPECT_TRUE(all_close(op.fn(x32).detach(), y64, 2e-6, 2e-6));
    EXPECT_TRUE(all_close(gradient(op.fn, x32, weights64.to(tg::kFloat32), false),
                          gradient(op.fn, x64, weights64, false), 2e-5, 2e-6));
  }
}

TEST(FusedKernels, FusedBackwardEqualsDifferentiableBackward) {
  tg::manual_seed(4);
  for (const tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    const double tolerance = dtype == tg::kFloat64 ? 1e-12 : 2e-5;
    for (const RowOp& op : row_ops()) {
      SCOPED_TRACE(op.name + (dtype == tg::kFloat64 ? " float64" : " float32"));
      const Tensor x = wide_input(dtype);
      const Tensor weights = tg::randn(op.fn(x).sizes(), dtype);
      EXPECT_TRUE(all_close(gradient(op.fn, x, weights, false), gradient(op.fn, x, weights, true), tolerance,
                            tolerance));
    }
  }
}

TEST(FusedKernels, SoftmaxOfLongFloat32RowsMatchesFloat64) {
  tg::manual_seed(5);
  const Tensor x64 = tg::randn({8, 50000}, tg::kFloat64) * 10.0;
  const Tensor x32 = x64.to(tg::kFloat32);
  EXPECT_TRUE(all_close(tg::softmax(x32, 1), tg::softmax(x64, 1), 2e-5, 1e-12));
  EXPECT_TRUE(all_close(tg::log_softmax(x32, 1), tg::log_softmax(x64, 1), 2e-6, 2e-5));
  // Softmax along the first dim goes through the transposed copy.
  EXPECT_TRUE(all_close(tg::softmax(x32.t(), 0), tg::softmax(x64.t(), 0), 2e-5, 1e-12));
}

TEST(FusedKernels, ExtremeLogitsDoNotOverflow) {
  // e = exp(-1): the row [1e4, -1e4, 0, 1e4 - 1] has softmax [1/(1+e), 0, 0, e/(1+e)].
  const double e = std::exp(-1.0);
  for (const tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    SCOPED_TRACE(dtype == tg::kFloat64 ? "float64" : "float32");
    const double tolerance = dtype == tg::kFloat64 ? 1e-12 : 1e-6;
    const Tensor logits = tg::tensor({1e4, -1e4, 0, 1e4 - 1, -1e4, 1e4, 1e4, -1e4}, {2, 4}, dtype);
    EXPECT_TRUE(all_close(tg::softmax(logits, 1),
                          tg::tensor({1 / (1 + e), 0, 0, e / (1 + e), 0, 0.5, 0.5, 0}, {2, 4}, tg::kFloat64),
                          tolerance, tolerance));
    const double log_norm = std::log1p(e);  // log(1 + e^-1)
    EXPECT_TRUE(all_close(
        tg::log_softmax(logits, 1).narrow(0, 0, 1),
        tg::tensor({-log_norm, -2e4 - log_norm, -1e4 - log_norm, -1 - log_norm}, {1, 4}, tg::kFloat64), 1e-7,
        tolerance));
    const Tensor targets = tg::tensor(std::vector<std::int64_t>{1, 1}, {2});
    const Tensor loss = tg::cross_entropy(logits, targets, tg::kNone);
    // Row 0 picks -1e4: loss 2e4 + log(1 + e^-1); row 1 picks 1e4 among two equal maxima: log 2.
    EXPECT_TRUE(
        all_close(loss, tg::tensor({2e4 + log_norm, std::log(2.0)}, {2}, tg::kFloat64), 1e-7, tolerance));
    const Tensor leaf = logits.detach().requires_grad_();
    tg::cross_entropy(leaf, targets, tg::kSum).backward();
    EXPECT_TRUE(all_close(
        leaf.grad(), tg::tensor({1 / (1 + e), -1, 0, e / (1 + e), 0, -0.5, 0.5, 0}, {2, 4}, tg::kFloat64),
        tolerance, tolerance));
  }
}

TEST(FusedKernels, GeluTailsAreExact) {
  for (const tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    for (const std::string approximate : {"none", "tanh"}) {
      SCOPED_TRACE(approximate + (dtype == tg::kFloat64 ? " float64" : " float32"));
      const Tensor x = tg::tensor({-1e4, -100, -10, 10, 100, 1e4}, dtype).requires_grad_();
      const Tensor y = tg::gelu(x, approximate);
      const auto values = y.to_vector<double>();
      EXPECT_EQ(values[0], 0.0);
      EXPECT_EQ(values[1], 0.0);
      EXPECT_LE(std::abs(values[2]), 1e-20);  // -10 Phi(-10) = -7.6e-23
      EXPECT_EQ(values[3], 10.0);
      EXPECT_EQ(values[4], 100.0);
      EXPECT_EQ(values[5], 1e4);
      y.backward(tg::ones_like(y));
      const auto grads = x.grad().to_vector<double>();
      EXPECT_EQ(grads[0], 0.0);
      EXPECT_EQ(grads[1], 0.0);
      EXPECT_LE(std::abs(grads[2]), 1e-18);
      EXPECT_NEAR(grads[3], 1.0, 1e-18);
      EXPECT_EQ(grads[4], 1.0);
      EXPECT_EQ(grads[5], 1.0);
    }
  }
}

TEST(FusedKernels, NanPropagates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    const Tensor x = tg::tensor({nan, 1, 2, 3}, {1, 4}, dtype);
    EXPECT_TRUE(std::isnan(tg::gelu(x).to_vector<double>()[0]));
    EXPECT_TRUE(std::isnan(tg::gelu(x, "tanh").to_vector<double>()[0]));
    for (double v : tg::softmax(x, 1).to_vector<double>()) EXPECT_TRUE(std::isnan(v));
  }
}

}  // namespace
