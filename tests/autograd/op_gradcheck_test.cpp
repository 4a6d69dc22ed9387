// Runs every row of the op registry (tests/support/op_cases/<family>.cpp): for differentiable rows,
// gradcheck in float64 for each sample, gradgradcheck where the row says so, strided inputs equal
// contiguous ones, no_grad records nothing, float32 agrees with float64; for every row, each bad
// input raises its tg::Error.
#include <gtest/gtest.h>
#include <set>
#include <string>

#include <tapegrad/autograd/gradcheck_gtest.hpp>

#include "support/op_cases.hpp"

namespace tg::testing {
namespace {

struct Sample {
  const OpCase* op;
  std::size_t index;
  const std::vector<Shape>& shapes() const { return op->samples[index]; }
};

std::vector<Sample> samples(bool double_backward_only) {
  std::vector<Sample> out;
  for (const OpCase& op : op_cases())
    if (op.differentiable && (!double_backward_only || op.double_backward))
      for (std::size_t i = 0; i < op.samples.size(); ++i) out.push_back({&op, i});
  return out;
}

std::string sample_name(const ::testing::TestParamInfo<Sample>& info) {
  return info.param.op->name + "_" + std::to_string(info.param.index);
}

void expect_close(const Tensor& actual, const Tensor& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], e[i], tolerance * (1 + std::abs(e[i]))) << what << " element " << i;
}

class OpGrad : public ::testing::TestWithParam<Sample> {};
class OpGradGrad : public ::testing::TestWithParam<Sample> {};

TEST_P(OpGrad, MatchesFiniteDifferences) {
  const Sample& s = GetParam();
  EXPECT_GRADCHECK(s.op->fn, make_inputs(*s.op, s.shapes()), s.op->tolerance);
}

TEST_P(OpGrad, StridedInputsGiveContiguousResults) {
  const Sample& s = GetParam();
  tensor_list contiguous_inputs = make_inputs(*s.op, s.shapes());
  tensor_list strided_inputs = make_inputs(*s.op, s.shapes(), /*non_contiguous=*/true);
  Tensor expected = s.op->fn(contiguous_inputs);
  Tensor actual = s.op->fn(strided_inputs);
  expect_close(actual, expected, 1e-12, "forward");
  Tensor seed = ones_like(expected);
  expected.backward(seed);
  actual.backward(seed);
  for (std::size_t i = 0; i < contiguous_inputs.size(); ++i)
    if (contiguous_inputs[i].requires_grad())
      expect_close(strided_inputs[i].grad(), contiguous_inputs[i].grad(), 1e-12, "grad " + std::to_string(i));
}

TEST_P(OpGrad, NoGradRecordsNothing) {
  const Sample& s = GetParam();
  NoGradGuard no_grad;
  Tensor out = s.op->fn(make_inputs(*s.op, s.shapes()));
  EXPECT_FALSE(out.requires_grad());
  EXPECT_EQ(out.grad_fn(), nullptr);
}

TEST_P(OpGrad, Float32AgreesWithFloat64) {
  const Sample& s = GetParam();
  Tensor reference = s.op->fn(make_inputs(*s.op, s.shapes()));
  Tensor single = s.op->fn(make_inputs(*s.op, s.shapes(), false, kFloat32));
  if (s.op->keeps_dtype) {
    EXPECT_EQ(single.dtype(), kFloat32);
  }
  expect_close(single.to(kFloat64), reference, 1e-5, "float32 forward");
}

TEST_P(OpGradGrad, SecondDerivativesMatchFiniteDifferences) {
  const Sample& s = GetParam();
  EXPECT_GRADGRADCHECK(s.op->fn, make_inputs(*s.op, s.shapes()), s.op->tolerance);
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpGrad, ::testing::ValuesIn(samples(false)), sample_name);
INSTANTIATE_TEST_SUITE_P(AllOps, OpGradGrad, ::testing::ValuesIn(samples(true)), sample_name);

struct BadSample {
  const OpCase* op;
  std::size_t index;
};

std::vector<BadSample> bad_samples() {
  std::vector<BadSample> out;
  for (const OpCase& op : op_cases())
    for (std::size_t i = 0; i < op.bad.size(); ++i) out.push_back({&op, i});
  return out;
}

class OpBadInput : public ::testing::TestWithParam<BadSample> {};

TEST_P(OpBadInput, ThrowsNamedError) {
  const OpCase& op = *GetParam().op;
  const BadInput& bad = op.bad[GetParam().index];
  const OpFn& fn = bad.fn ? bad.fn : op.fn;
  try {
    fn(make_bad_inputs(op, bad));
    FAIL() << op.name << " accepted bad input; expected an error containing: " << bad.message;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad.message), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << bad.message;
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpBadInput, ::testing::ValuesIn(bad_samples()),
                         [](const ::testing::TestParamInfo<BadSample>& info) {
                           return info.param.op->name + "_" + std::to_string(info.param.index);
                         });

TEST(OpRegistry, RowsAreNamedOnceAndTestSomething) {
  std::set<std::string> names;
  for (const OpCase& op : op_cases()) {
    EXPECT_TRUE(names.insert(op.name).second) << "two rows are named " << op.name;
    if (op.differentiable) {
      EXPECT_FALSE(op.samples.empty()) << op.name << " is differentiable but has no samples to gradcheck";
    } else {
      EXPECT_FALSE(op.fixtures.empty() && op.bad.empty())
          << op.name << " has neither fixtures nor bad inputs";
    }
  }
}

TEST(OpRegistry, CoversEveryListedOp) {
  // The op list; each must have at least one registry row whose name starts with it.
  const std::vector<std::string> required = {"add",
                                             "sub",
                                             "mul",
                                             "div",
                                             "neg",
                                             "pow",
                                             "exp",
                                             "log",
                                             "sqrt",
                                             "abs",
                                             "clamp",
                                             "matmul",
                                             "linear",
                                             "reshape",
                                             "view",
                                             "transpose",
                                             "t",
                                             "permute",
                                             "squeeze",
                                             "unsqueeze",
                                             "expand",
                                             "cat",
                                             "stack",
                                             "slice",
                                             "narrow",
                                             "index_select",
                                             "sum",
                                             "mean",
                                             "max",
                                             "var",
                                             "relu",
                                             "leaky_relu",
                                             "sigmoid",
                                             "tanh",
                                             "gelu",
                                             "gelu_tanh",
                                             "silu",
                                             "softmax",
                                             "log_softmax",
                                             "mse_loss",
                                             "cross_entropy",
                                             "nll_loss",
                                             "bce_with_logits"};
  for (const std::string& name : required) {
    bool found = false;
    for (const OpCase& op : op_cases()) found = found || op.name.rfind(name, 0) == 0;
    EXPECT_TRUE(found) << "no registry row for " << name;
  }
}

}  // namespace
}  // namespace tg::testing
