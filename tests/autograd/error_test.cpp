// User errors: every row does one invalid thing and names the message it must produce (op name, shapes,
// dtypes). Messages are tg::Error, which is also a std::runtime_error.
#include <cmath>
#include <cstdint>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

static_assert(std::is_base_of_v<std::runtime_error, tg::Error>);

struct ErrorCase {
  std::string name;
  std::function<void()> action;
  std::string expected;  // a substring of what()
};

void PrintTo(const ErrorCase& c, std::ostream* out) { *out << c.name; }

Tensor f32(tg::IntArrayRef sizes) { return tg::zeros(sizes); }
Tensor f64(tg::IntArrayRef sizes) { return tg::zeros(sizes, tg::kFloat64); }
Tensor i64(std::vector<std::int64_t> v) { return tg::tensor(v); }
Tensor leaf(tg::IntArrayRef sizes) { return tg::ones(sizes, tg::requires_grad()); }

std::vector<ErrorCase> cases() {
  return {
      // ---- matmul family
      {"MatmulInnerSizes",
       [] {
         tg::matmul(f32({64, 784}), f32({128, 10}));
       },
       "matmul: cannot multiply [64, 784] by [128, 10]: inner sizes 784 and 128 differ"},
      {"MatmulVectorSizes", [] { tg::matmul(f32({3}), f32({4})); },
       "matmul: cannot multiply [3] by [4]: inner sizes 3 and 4 differ"},
      {"MatmulBatched",
       [] {
         tg::matmul(f32({2, 3, 4}), f32({2, 5, 6}));
       },
       "matmul: cannot multiply [2, 3, 4] by [2, 5, 6]: inner sizes 4 and 5 differ"},
      {"MatmulBatchBroadcast",
       [] {
         tg::matmul(f32({2, 3, 4}), f32({3, 4, 5}));
       },
       "matmul: batch sizes of [2, 3, 4] and [3, 4, 5] do not broadcast (2 vs 3)"},
      {"MatmulRank",
       [] {
         tg::matmul(f32({1, 2, 3, 4}), f32({4, 2}));
       },
       "matmul: supports tensors of rank 1 to 3"},
      {"MatmulDtypes",
       [] {
         tg::matmul(f32({2, 2}), f64({2, 2}));
       },
       "matmul: dtypes float32 and float64 differ; convert one with .to(float32)"},
      {"MatmulInt64",
       [] {
         tg::matmul(tg::zeros({2, 2}, tg::kInt64), f32({2, 2}));
       },
       "matmul: expected self to be float32 or float64, got int64"},
      {"MmNot2d",
       [] {
         tg::mm(f32({3}), f32({3, 2}));
       },
       "mm: expects two 2-D tensors, got [3] and [3, 2]"},
      {"MmInner",
       [] {
         f32({2, 3}).mm(f32({2, 3}));
       },
       "mm: cannot multiply [2, 3] by [2, 3]: inner sizes 3 and 2"},
      {"BmmBatch",
       [] {
         tg::bmm(f32({2, 3, 4}), f32({3, 4, 5}));
       },
       "bmm: batch sizes of [2, 3, 4] and [3, 4, 5] differ"},
      {"BmmRank",
       [] {
         tg::bmm(f32({3, 4}), f32({4, 5}));
       },
       "bmm: expects two 3-D tensors, got [3, 4] and [4, 5]"},

      // ---- element-wise
      {"AddBroadcast",
       [] {
         f32({2, 3}) + f32({4});
       },
       "add: shapes [2, 3] and [4] do not broadcast (dim -1: 3 vs 4)"},
      {"MulBroadcast",
       [] {
         tg::mul(f32({5, 2, 3}), f32({4, 3}));
       },
       "mul: shapes [5, 2, 3] and [4, 3] do not broadcast (dim -2: 2 vs 4)"},
      {"SubBroadcast", [] { f32({3}) - f32({2}); }, "sub: shapes [3] and [2] do not broadcast"},
      {"DivBroadcast", [] { f32({3}) / f32({2}); }, "div: shapes [3] and [2] do not broadcast"},
      {"AddDtypes", [] { f32({2}) + f64({2}); },
       "add: dtypes float32 and float64 differ; convert one with .to(float32)"},
      {"MulDtypes", [] { f64({2}) * f32({2}); },
       "mul: dtypes float64 and float32 differ; convert one with .to(float64)"},
      {"MulInt64", [] { tg::arange(3) * tg::arange(3); },
       "mul: expected self to be float32 or float64, got int64"},
      {"AddInt64Other", [] { f32({3}) + tg::arange(3); },
       "add: expected other to be float32 or float64, got int64"},
      {"ExpInt64", [] { tg::arange(3).exp(); }, "exp: expected input to be float32 or float64, got int64"},
      {"SumInt64", [] { tg::arange(3).sum(); }, "sum: expected input to be float32 or float64, got int64"},
      {"ClampBounds", [] { f32({2}).clamp(1.0, -1.0); }, "clamp: min (1) must not exceed max (-1)"},
      {"ClampNoBounds", [] { f32({2}).clamp(std::nullopt, std::nullopt); },
       "clamp: at least one of min and max must be given"},
      {"GeluApproximate", [] { tg::gelu(f32({2}), "fast"); },
       "gelu: approximate must be \"none\" or \"tanh\", got \"fast\""},
      {"UndefinedOperand", [] { tg::add(f32({2}), Tensor()); }, "add: other is an undefined tensor"},

      // ---- losses
      {"CrossEntropyTargetRange",
       [] {
         tg::cross_entropy(f32({4, 10}), i64({1, 10, 3, 0}));
       },
       "cross_entropy: target 10 at position 1 is outside [0, 10)"},
      {"CrossEntropyNegativeTarget",
       [] {
         tg::cross_entropy(f32({2, 3}), i64({-1, 0}));
       },
       "cross_entropy: target -1 at position 0 is outside [0, 3)"},
      {"CrossEntropyTargetDtype",
       [] {
         tg::cross_entropy(f32({4, 10}), f32({4}));
       },
       "cross_entropy: target must hold int64 class indices, got float32"},
      {"CrossEntropyTargetShape",
       [] {
         tg::cross_entropy(f32({4, 10}), i64({1, 2, 3}));
       },
       "cross_entropy: target shape [3] does not match input shape [4, 10]; expected [4]"},
      {"CrossEntropyInputRank",
       [] {
         tg::cross_entropy(f32({2, 3, 4}), i64({0, 1}));
       },
       "cross_entropy: input must be [N, C] or [C], got shape [2, 3, 4]"},
      {"CrossEntropyIntLogits",
       [] {
         tg::cross_entropy(tg::zeros({2, 3}, tg::kInt64), i64({0, 1}));
       },
       "cross_entropy: expected input to be float32 or float64, got int64"},
      {"NllLossTargetRange",
       [] {
         tg::nll_loss(f32({2, 5}), i64({4, 5}));
       },
       "nll_loss: target 5 at position 1 is outside [0, 5)"},
      {"MseLossShapes",
       [] {
         tg::mse_loss(f32({4, 1}), f32({4}));
       },
       "mse_loss: input shape [4, 1] and target shape [4] differ"},
      {"MseLossDtypes", [] { tg::mse_loss(f32({4}), f64({4})); },
       "mse_loss: input is float32 but target is float64"},
      {"BceShapes",
       [] {
         tg::binary_cross_entropy_with_logits(f32({3}), f32({3, 1}));
       },
       "binary_cross_entropy_with_logits: input shape [3] and target shape [3, 1] differ"},

      // ---- linear
      {"LinearFeatures",
       [] {
         tg::linear(f32({8, 5}), f32({3, 4}));
       },
       "linear: input of shape [8, 5] has 5 features but weight of shape [3, 4] expects 4"},
      {"LinearBiasShape",
       [] {
         tg::linear(f32({8, 4}), f32({3, 4}), f32({4}));
       },
       "linear: bias must have shape [3] for weight of shape [3, 4], got [4]"},
      {"LinearWeightRank",
       [] {
         tg::linear(f32({8, 4}), f32({4}));
       },
       "linear: weight must be 2-D [out_features, in_features], got [4]"},
      {"LinearDtypes",
       [] {
         tg::linear(f32({8, 4}), f64({3, 4}));
       },
       "linear: input is float32 but weight is float64"},

      // ---- shapes
      {"ViewNonContiguous",
       [] {
         f32({2, 3}).t().view({6});
       },
       "view: the input of shape [3, 2] with strides [1, 3] is not contiguous; use reshape()"},
      {"ViewWrongSize",
       [] {
         f32({2, 3}).view({4});
       },
       "view: shape [4] is invalid for input of shape [2, 3] (6 elements)"},
      {"ReshapeWrongSize",
       [] {
         f32({2, 3}).reshape({4, 2});
       },
       "reshape: shape [4, 2] is invalid for input of shape [2, 3] (6 elements)"},
      {"ReshapeInfer",
       [] {
         f32({2, 3}).reshape({4, -1});
       },
       "reshape: shape [4, -1] is invalid for input of shape [2, 3] (6 elements)"},
      {"ReshapeTwoInferred",
       [] {
         f32({2, 3}).reshape({-1, -1});
       },
       "reshape: only one dimension can be -1, got [-1, -1]"},
      {"ReshapeNegative",
       [] {
         f32({2, 3}).reshape({-2, 3});
       },
       "reshape: invalid size -2 in [-2, 3]"},
      {"CatShapes",
       [] {
         tg::cat({f32({2, 3}), f32({2, 4})}, 0);
       },
       "cat: tensor 1 has shape [2, 4] which does not match tensor 0's shape [2, 3] outside dim 0"},
      {"CatRanks",
       [] {
         tg::cat({f32({2, 3}), f32({6})}, 0);
       },
       "cat: tensor 1 has shape [6] which does not match tensor 0's shape [2, 3] outside dim 0"},
      {"CatDtypes",
       [] {
         tg::cat({f32({2}), f64({2})});
       },
       "cat: tensor 1 is float64 but tensor 0 is float32"},
      {"CatEmpty", [] { tg::cat({}); }, "cat: expects a non-empty list of tensors"},
      {"CatScalars",
       [] {
         tg::cat({f32({}), f32({})});
       },
       "cat: cannot concatenate 0-d tensors; use stack()"},
      {"StackShapes",
       [] {
         tg::stack({f32({2}), f32({3})});
       },
       "stack: tensor 1 has shape [3] but tensor 0 has shape [2]; all must match"},
      {"ExpandSize", [] { f32({3}).expand({4}); }, "expand: cannot expand shape [3] to [4] (dim 0: 3 vs 4)"},
      {"ExpandFewerDims",
       [] {
         f32({2, 3}).expand({3});
       },
       "expand: cannot expand shape [2, 3] to fewer dims [3]"},
      {"NarrowRange", [] { f32({4}).narrow(0, 2, 3); },
       "narrow: start 2 and length 3 are out of range for dim 0 of size 4"},
      {"SelectRange",
       [] {
         f32({3, 2}).select(0, 5);
       },
       "select: index 5 is out of range for dim 0 of size 3"},
      {"SelectNegativeRange",
       [] {
         f32({3, 2}).select(1, -3);
       },
       "select: index -3 is out of range for dim 1 of size 2"},
      {"SliceStep", [] { f32({4}).slice(0, 0, 4, 0); }, "slice: step must be positive, got 0"},
      {"PermuteRepeated",
       [] {
         f32({2, 3}).permute({0, 0});
       },
       "permute: dim 0 appears more than once in [0, 0]"},
      {"PermuteCount",
       [] {
         f32({2, 3}).permute({0});
       },
       "permute: got 1 dims [0] for a tensor of rank 2"},
      {"TransposeMatrixOnly",
       [] {
         f32({2, 3, 4}).t();
       },
       "t: expects a tensor of rank <= 2, got shape [2, 3, 4]; use transpose(dim0, dim1)"},
      {"FlattenOrder",
       [] {
         f32({2, 3, 4}).flatten(2, 1);
       },
       "flatten: start_dim 2 comes after end_dim 1"},

      // ---- dims out of range
      {"SumDim",
       [] {
         f32({2, 3}).sum({2});
       },
       "sum: dim 2 is out of range for a tensor of rank 2 (expected a dim in [-2, 1])"},
      {"SumRepeatedDim",
       [] {
         f32({2, 3}).sum({1, -1});
       },
       "sum: dim -1 appears more than once in [1, -1]"},
      {"MeanDim",
       [] {
         f32({2, 3}).mean({-3});
       },
       "mean: dim -3 is out of range for a tensor of rank 2"},
      {"SoftmaxDim",
       [] {
         f32({2, 3}).softmax(2);
       },
       "softmax: dim 2 is out of range for a tensor of rank 2"},
      {"LogSoftmaxDim",
       [] {
         f32({2, 3}).log_softmax(-3);
       },
       "log_softmax: dim -3 is out of range for a tensor of rank 2"},
      {"TransposeDim",
       [] {
         f32({2, 3}).transpose(0, 3);
       },
       "transpose: dim 3 is out of range for a tensor of rank 2"},
      {"UnsqueezeDim",
       [] {
         f32({2, 3}).unsqueeze(4);
       },
       "unsqueeze: dim 4 is out of range for a tensor of rank 3"},
      {"SizeDim",
       [] {
         f32({2, 3}).size(2);
       },
       "size: dim 2 is out of range for a tensor of rank 2"},
      {"SizeOf0d", [] { tg::scalar_tensor(1.0).size(0); },
       "size: dim 0 is out of range for a 0-d tensor (it has no dims)"},
      {"StrideOf0d", [] { tg::scalar_tensor(1.0).stride(-1); },
       "stride: dim -1 is out of range for a 0-d tensor"},
      {"MaxDim",
       [] {
         tg::max(f32({2, 3}), 5);
       },
       "max: dim 5 is out of range for a tensor of rank 2"},
      {"ArgmaxDim",
       [] {
         f32({2, 3}).argmax(-4);
       },
       "argmax: dim -4 is out of range for a tensor of rank 2"},
      {"MaxEmpty", [] { tg::max(f32({0})); }, "max: cannot take the maximum of an empty tensor of shape [0]"},

      // ---- indexing
      {"IndexSelectRange",
       [] {
         f32({5, 3}).index_select(0, i64({0, 7}));
       },
       "index_select: index 7 at position 1 is out of range for dim 0 of size 5"},
      {"IndexSelectNegative",
       [] {
         f32({5, 3}).index_select(1, i64({-1}));
       },
       "index_select: index -1 at position 0 is out of range for dim 1 of size 3"},
      {"IndexSelectDtype",
       [] {
         f32({5, 3}).index_select(0, tg::tensor({0.0, 1.0}));
       },
       "index_select: index must be int64, got float32"},
      {"IndexSelectRank",
       [] {
         f32({5, 3}).index_select(0, tg::zeros({2, 2}, tg::kInt64));
       },
       "index_select: index must be 1-D, got shape [2, 2]"},
      {"GatherRank",
       [] {
         f32({3, 4}).gather(1, i64({0, 1, 2}));
       },
       "gather: index must have the input's rank 2, got shape [3]"},
      {"GatherRange",
       [] {
         f32({3, 4}).gather(1, tg::tensor(std::vector<std::int64_t>{0, 4}, {2, 1}));
       },
       "gather: index 4 at position 1 is out of range for dim 1 of size 4"},
      {"GatherIndexShape",
       [] {
         f32({3, 4}).gather(1, tg::zeros({4, 1}, tg::kInt64));
       },
       "gather: index shape [4, 1] exceeds input shape [3, 4] at dim 0"},

      // ---- tensors and factories
      {"RequiresGradInt64", [] { tg::arange(5).requires_grad_(); },
       "requires_grad_: only float32/float64 tensors can require gradients, got a int64 tensor"},
      {"RequiresGradInt64Factory", [] { tg::zeros({2}, tg::dtype(tg::kInt64).requires_grad(true)); },
       "only float32/float64 tensors can require gradients, got a int64 tensor"},
      {"ItemMultiElement",
       [] {
         f32({2, 2}).item<float>();
       },
       "item: only one-element tensors can be converted to a scalar, got shape [2, 2]"},
      {"ItemEmpty", [] { f32({0}).item<double>(); },
       "item: only one-element tensors can be converted to a scalar"},
      {"DataPtrDtype", [] { (void)f32({2}).data_ptr<double>(); },
       "data_ptr: requested float64 elements from a float32 tensor"},
      {"UndefinedTensor", [] { (void)Tensor().sizes(); },
       "tensor: this tensor is undefined (default-constructed, or a gradient that was never computed)"},
      {"UndefinedGradItem", [] { leaf({2}).grad().item<float>(); }, "tensor: this tensor is undefined"},
      {"TensorValueCount",
       [] {
         tg::tensor({1.0, 2.0, 3.0}, {2, 2});
       },
       "tensor: got 3 values for shape [2, 2] which holds 4"},
      {"NegativeSize",
       [] {
         tg::zeros({2, -1});
       },
       "sizes must be non-negative, got [2, -1]"},
      {"RandintRange", [] { tg::randint(5, 5, {3}); }, "randint: low (5) must be below high (5)"},
      {"RandInt64", [] { tg::rand({3}, tg::kInt64); }, "rand: dtype must be float32 or float64, got int64"},
      {"ArangeStep", [] { tg::arange(0, 10, 0); }, "arange: step must be non-zero"},
      {"SetGradShape", [] { leaf({2}).set_grad(f32({3})); },
       "set_grad: gradient of shape [3] (float32) does not match the tensor's shape [2] (float32)"},

      // ---- in-place
      {"InplaceLeaf", [] { leaf({2}).add_(1.0); },
       "add_: a leaf tensor that requires grad cannot be modified in place while grad mode is on"},
      {"InplaceNonLeaf", [] { (leaf({2}) * 2.0).mul_(2.0); },
       "mul_: in-place modification of a tensor computed by MulBackward is not supported"},
      {"InplaceBroadcast",
       [] {
         f32({3}).copy_(f32({2, 3}));
       },
       "copy_: other of shape [2, 3] cannot be broadcast to self's shape [3]"},
      {"InplaceDtypes", [] { f32({3}).mul_(f64({3})); }, "mul_: self is float32 but other is float64"},

      // ---- autograd
      {"BackwardNonScalar", [] { (leaf({3}) * 2.0).backward(); },
       "backward: a gradient can be created implicitly only for one-element outputs, but the tensor has "
       "shape [3]"},
      {"BackwardNoGrad", [] { f32({1}).backward(); },
       "backward: the tensor does not require grad and has no grad_fn"},
      {"BackwardGradientShape", [] { (leaf({3}) * 2.0).backward(f32({2})); },
       "backward: gradient has shape [2] but the tensor has shape [3]; they must match"},
      {"BackwardTwice",
       [] {
         Tensor x = leaf({2});
         Tensor y = (x * x).sum();
         y.backward();
         y.backward();
       },
       "backward: saved tensors of MulBackward were freed by an earlier backward(); pass retain_graph=true"},
      {"GradInputNoGrad", [] { tg::autograd::grad({leaf({1}) * 2.0}, {f32({1})}); },
       "grad: input 0 does not require grad"},
      {"GradUnused",
       [] {
         Tensor x = leaf({1});
         tg::autograd::grad({x * 2.0}, {x, leaf({2})});
       },
       "grad: input 1 (shape [2]) was not used to compute the outputs; pass allow_unused=true"},
      {"GradOutputsCount",
       [] {
         tg::autograd::grad({leaf({1}) * 2.0}, {leaf({1})}, {f32({1}), f32({1})});
       },
       "grad: got 1 outputs but 2 grad_outputs"},
      {"RequiresGradOffNonLeaf", [] { (leaf({1}) * 2.0).requires_grad_(false); },
       "requires_grad_: cannot turn off requires_grad of a non-leaf tensor (it was computed by MulBackward)"},
      {"HookWrongShape",
       [] {
         Tensor x = leaf({2});
         x.register_hook([](const Tensor&) { return tg::ones({5}); });
         (x * x).sum().backward();
       },
       "register_hook: a hook returned a gradient of shape [5] (float32) for a tensor of shape [2] "
       "(float32)"},
      {"HookNoGrad", [] { f32({1}).register_hook([](const Tensor& g) { return g; }); },
       "register_hook: cannot register a hook on a tensor that does not require grad"},
      // found by fuzz/ops_fuzzer: float -> int64 conversions of NaN, infinities and out-of-range
      // values are undefined behaviour in C++, and sizes whose product overflows int64
      {"ToInt64OfInfinity", [] { tg::full({2}, INFINITY).to(tg::kInt64); },
       "to: cannot convert float32 to int64: a value is NaN, infinite or outside the int64 range"},
      {"CopyNaNIntoInt64", [] { tg::zeros({2}, tg::kInt64).copy_(tg::full({2}, NAN)); },
       "copy_: cannot convert float32 to int64"},
      {"FullInt64OfHugeValue", [] { tg::full({2}, 1e19, tg::kInt64); },
       "full: the value 1e+19 cannot be stored in an int64 tensor"},
      {"FillInt64WithNaN", [] { tg::zeros({2}, tg::kInt64).fill_(NAN); },
       "fill_: the value nan cannot be stored in an int64 tensor"},
      {"TensorInt64FromInfinity",
       [] {
         tg::tensor({1.0, -INFINITY}, tg::kInt64);
       },
       "tensor: the value -inf cannot be stored in an int64 tensor"},
      {"ArangeInt64PastRange", [] { tg::arange(0.0, 1e20, 1e19, tg::kInt64); },
       "arange: the value 9e+19 cannot be stored in an int64 tensor"},
      {"ItemInt64OfNaN", [] { tg::full({}, NAN).item<std::int64_t>(); },
       "item: the value nan does not fit in int64"},
      {"ZerosSizesOverflow",
       [] {
         tg::zeros({std::int64_t{1} << 40, std::int64_t{1} << 40});
       },
       "zeros: sizes [1099511627776, 1099511627776] overflow int64"},
      {"ExpandSizesOverflow",
       [] {
         f32({1}).expand({std::int64_t{1} << 40, std::int64_t{1} << 40});
       },
       "expand: sizes [1099511627776, 1099511627776] overflow int64"},
  };
}

class ErrorMessages : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorMessages, ThrowsTgErrorNamingTheProblem) {
  const ErrorCase& c = GetParam();
  bool thrown = false;
  try {
    c.action();
  } catch (const tg::Error& e) {
    thrown = true;
    EXPECT_THAT(e.what(), ::testing::HasSubstr(c.expected));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a " << typeid(e).name() << " that is not a tg::Error: " << e.what();
    return;
  }
  EXPECT_TRUE(thrown) << "no tg::Error thrown; expected one containing: " << c.expected;
}

TEST_P(ErrorMessages, IsAlsoAStdRuntimeError) {
  const ErrorCase& c = GetParam();
  std::string message;
  try {
    c.action();
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  EXPECT_THAT(message, ::testing::HasSubstr(c.expected));
}

INSTANTIATE_TEST_SUITE_P(AllOps, ErrorMessages, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(ErrorTable, NamesAreUnique) {
  std::set<std::string> names;
  for (const ErrorCase& c : cases()) EXPECT_TRUE(names.insert(c.name).second) << c.name;
}

// Errors leave no half-recorded state behind: the same tensors work afterwards.
TEST(ErrorRecovery, FailedOpDoesNotCorruptTheGraph) {
  Tensor w = leaf({2, 3});
  EXPECT_THROW(tg::matmul(w, f32({2, 3})), tg::Error);
  Tensor y = tg::matmul(w, tg::ones({3, 1})).sum();
  y.backward();
  EXPECT_THAT(w.grad().to_vector<float>(), ::testing::Each(1.0f));
}

}  // namespace
