// Tensors with zero elements through every differentiable row of the op registry
// (tests/support/op_cases/<family>.cpp, each row's zero-size samples) and backward, plus the values PyTorch
// gives for empty reductions and products, and the overflow checks on sizes.
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>

#include <tapegrad/autograd/gradcheck_gtest.hpp>

#include "support/op_cases.hpp"

namespace tg::testing {
namespace {

bool has_zero_size(const std::vector<Shape>& shapes) {
  for (const Shape& shape : shapes)
    if (shape_numel(shape) == 0) return true;
  return false;
}

TEST(OpRegistry, EveryOpHasZeroSizeCases) {
  for (const OpCase& op : op_cases()) {
    if (!op.differentiable) continue;
    bool covered = !op.empty_samples.empty();
    for (const BadInput& bad : op.bad) covered = covered || has_zero_size(bad.shapes);
    EXPECT_TRUE(covered) << op.name
                         << " has no zero-size sample: give its row .empty_samples or a zero-size .bad input";
  }
}

struct EmptySample {
  const OpCase* op;
  std::size_t index;
  const std::vector<Shape>& shapes() const { return op->empty_samples[index]; }
  Tensor run(const tensor_list& inputs) const { return op->empty_fn ? op->empty_fn(inputs) : op->fn(inputs); }
};

std::vector<EmptySample> empty_samples() {
  std::vector<EmptySample> out;
  for (const OpCase& op : op_cases())
    if (op.differentiable)
      for (std::size_t i = 0; i < op.empty_samples.size(); ++i) out.push_back({&op, i});
  return out;
}

class OpZeroSize : public ::testing::TestWithParam<EmptySample> {};

TEST_P(OpZeroSize, ForwardAndBackwardGiveGradientsOfTheInputShapes) {
  const EmptySample& s = GetParam();
  tensor_list inputs = make_inputs(*s.op, s.shapes());
  Tensor out = s.run(inputs);
  ASSERT_TRUE(out.defined());
  EXPECT_TRUE(has_zero_size(s.shapes()) || out.numel() == 0) << "neither the inputs nor the output are empty";
  ASSERT_TRUE(out.requires_grad());
  out.backward(ones_like(out));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    const Tensor& grad = inputs[i].grad();
    ASSERT_TRUE(grad.defined()) << "input " << i << " got no gradient";
    EXPECT_EQ(grad.sizes(), inputs[i].sizes()) << "input " << i;
    EXPECT_EQ(grad.dtype(), inputs[i].dtype()) << "input " << i;
    if (out.numel() == 0) {  // nothing flows back from an empty output
      for (double g : grad.to_vector<double>()) EXPECT_EQ(g, 0.0) << "input " << i;
    }
  }
}

TEST_P(OpZeroSize, MatchesFiniteDifferences) {
  const EmptySample& s = GetParam();
  EXPECT_GRADCHECK([&s](const tensor_list& in) { return s.run(in); }, make_inputs(*s.op, s.shapes()),
                   s.op->tolerance);
}

TEST_P(OpZeroSize, Float32WorksToo) {
  const EmptySample& s = GetParam();
  Tensor out = s.run(make_inputs(*s.op, s.shapes(), false, kFloat32));
  Tensor reference = s.run(make_inputs(*s.op, s.shapes()));
  ASSERT_EQ(out.sizes(), reference.sizes());
  const auto single = out.to(kFloat64).to_vector<double>(), expected = reference.to_vector<double>();
  for (std::size_t i = 0; i < single.size(); ++i) {
    if (!(std::isnan(single[i]) && std::isnan(expected[i]))) {
      EXPECT_NEAR(single[i], expected[i], 1e-5 * (1 + std::abs(expected[i]))) << "element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpZeroSize, ::testing::ValuesIn(empty_samples()),
                         [](const ::testing::TestParamInfo<EmptySample>& info) {
                           return info.param.op->name + "_" + std::to_string(info.param.index);
                         });

// ---- values, as PyTorch gives them

TEST(ZeroSize, SumOfEmptyIsZeroAndItsGradientEmpty) {
  Tensor x = zeros({0, 3}, kFloat64).requires_grad_(true);
  Tensor total = x.sum();
  EXPECT_EQ(total.item<double>(), 0.0);
  total.backward();
  EXPECT_EQ(x.grad().sizes(), Shape({0, 3}));
  EXPECT_EQ(x.sum(0).to_vector<double>(), std::vector<double>({0, 0, 0}));
}

TEST(ZeroSize, MeanOfEmptyIsNaN) {
  EXPECT_TRUE(std::isnan(zeros({0}).mean().item<double>()));
  const auto means = zeros({2, 0}, kFloat64).mean({1}).to_vector<double>();
  ASSERT_EQ(means.size(), 2u);
  EXPECT_TRUE(std::isnan(means[0]) && std::isnan(means[1]));
  EXPECT_TRUE(std::isnan(zeros({0}, kFloat64).var().item<double>()));
}

TEST(ZeroSize, MatmulWithEmptyInnerDimIsZeros) {
  Tensor a = ones({3, 0}, kFloat64).requires_grad_(true);
  Tensor b = ones({0, 2}, kFloat64).requires_grad_(true);
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.sizes(), Shape({3, 2}));
  EXPECT_EQ(c.to_vector<double>(), std::vector<double>(6, 0.0));
  c.sum().backward();
  EXPECT_EQ(a.grad().sizes(), Shape({3, 0}));
  EXPECT_EQ(b.grad().sizes(), Shape({0, 2}));
  EXPECT_EQ(matmul(zeros({0}), zeros({0})).item<double>(), 0.0);  // the dot product of empties
}

TEST(ZeroSize, MatmulBroadcastsABatchOfOneAgainstAnEmptyBatch) {  // found by fuzz_ops
  EXPECT_EQ(matmul(ones({1}), ones({0, 1, 3})).sizes(), Shape({0, 3}));
  EXPECT_EQ(matmul(ones({1, 2, 4}), ones({0, 4, 3})).sizes(), Shape({0, 2, 3}));
  EXPECT_EQ(matmul(ones({0, 2, 4}), ones({1, 4, 3})).sizes(), Shape({0, 2, 3}));
}

TEST(ZeroSize, LinearWithNoFeaturesGivesTheBias) {
  Tensor x = ones({4, 0}, kFloat64).requires_grad_(true);
  Tensor w = ones({2, 0}, kFloat64).requires_grad_(true);
  Tensor b = tensor({1.5, -2.0}, {2}, kFloat64).requires_grad_(true);
  Tensor y = linear(x, w, b);
  EXPECT_EQ(y.to_vector<double>(), std::vector<double>({1.5, -2.0, 1.5, -2.0, 1.5, -2.0, 1.5, -2.0}));
  y.sum().backward();
  EXPECT_EQ(b.grad().to_vector<double>(), std::vector<double>({4.0, 4.0}));
  EXPECT_EQ(w.grad().sizes(), Shape({2, 0}));
}

TEST(ZeroSize, LinearOfAVectorWithoutFeatures) {  // found by fuzz_ops: read past the output
  Tensor y = linear(zeros({0}), ones({3, 0}), tensor({1.0, 2.0, 3.0}));
  EXPECT_EQ(y.to_vector<double>(), std::vector<double>({1.0, 2.0, 3.0}));
}

TEST(ZeroSize, MaxOfEmptyThrows) {
  EXPECT_THROW(zeros({0}).max(), Error);
  EXPECT_THROW(zeros({2, 0}).max(1), Error);
  EXPECT_THROW(zeros({0, 2}).argmax(), Error);
  EXPECT_EQ(std::get<0>(zeros({0, 2}).max(1)).sizes(), Shape({0}));  // nothing to reduce over: fine
}

TEST(ZeroSize, CrossEntropyOfAnEmptyBatch) {
  Tensor logits = zeros({0, 4}, kFloat64).requires_grad_(true);
  Tensor target = tensor(std::vector<std::int64_t>{}, {0});
  EXPECT_TRUE(std::isnan(cross_entropy(logits, target).item<double>()));  // mean over no rows
  EXPECT_EQ(cross_entropy(logits, target, kSum).item<double>(), 0.0);
  EXPECT_EQ(cross_entropy(logits, target, kNone).sizes(), Shape({0}));
  cross_entropy(logits, target, kSum).backward();
  EXPECT_EQ(logits.grad().sizes(), Shape({0, 4}));
}

// ---- sizes that overflow

constexpr std::int64_t kHuge = std::int64_t{1} << 62;

void expect_error(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing: " << message;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(SizeOverflow, FactoriesThrowNamingTheOpAndSizes) {
  expect_error([] { zeros({kHuge, 4}); }, "zeros: sizes [4611686018427387904, 4] overflow int64");
  expect_error([] { zeros({kHuge, 1}); }, "zeros: sizes [4611686018427387904, 1] overflow int64 (");
  expect_error([] { empty({kHuge, 2}, kFloat64); }, "empty: sizes [4611686018427387904, 2] overflow int64");
  expect_error([] { ones({kHuge, kHuge}); }, "overflow int64");
  expect_error([] { rand({kHuge, 8}); }, "rand: sizes");
  expect_error([] { zeros({-1, 2}); }, "zeros: sizes must be non-negative, got [-1, 2]");
  // Zero elements, but strides of 2^124 elements: also rejected, as in PyTorch.
  expect_error(
      [] {
        zeros({0, kHuge, kHuge});
      },
      "zeros: sizes [0, 4611686018427387904, 4611686018427387904]");
  expect_error([] { arange(0.0, 1e300, 1.0); }, "arange");
  EXPECT_EQ(zeros({0, kHuge}).numel(), 0);  // strides fit: fine
}

TEST(SizeOverflow, ViewsThrowNamingTheOp) {
  Tensor x = zeros({1, 1});
  expect_error([&] { x.expand({kHuge, kHuge}); }, "expand: sizes [4611686018427387904, 4611686018427387904]");
  expect_error([&] { zeros({0}).reshape({0, kHuge, kHuge}); }, "reshape:");
  expect_error([&] { zeros({4}).view({kHuge, kHuge, -1}); }, "view: shape");
  expect_error([&] { x.narrow(0, 1, std::numeric_limits<std::int64_t>::max()); }, "narrow: start 1");
  Tensor wide = x.expand({kHuge, 1});
  expect_error([&] { cat({wide, wide, wide}, 0); }, "cat:");
  EXPECT_EQ(zeros({5}).slice(0, 0, 5, std::numeric_limits<std::int64_t>::max()).sizes(), Shape({1}));
}

}  // namespace
}  // namespace tg::testing
