// User errors that are not about one op's inputs (tensor accessors, factories, in-place rules, the
// engine, hooks): every row does one invalid thing and names the message it must produce. An op's own
// input errors live in its registry row (OpCase::bad in tests/support/op_cases/<family>.cpp), run by
// OpBadInput. Messages are tg::Error, which is also a std::runtime_error.
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
Tensor leaf(tg::IntArrayRef sizes) { return tg::ones(sizes, tg::requires_grad()); }

std::vector<ErrorCase> cases() {
  return {
      // ---- tensor accessors
      {"SizeDim",
       [] {
         f32({2, 3}).size(2);
       },
       "size: dim 2 is out of range for a tensor of rank 2"},
      {"SizeOf0d", [] { tg::scalar_tensor(1.0).size(0); },
       "size: dim 0 is out of range for a 0-d tensor (it has no dims)"},
      {"StrideOf0d", [] { tg::scalar_tensor(1.0).stride(-1); },
       "stride: dim -1 is out of range for a 0-d tensor"},

      // ---- linear_pretransposed's extra operand (its other inputs are linear's: OpCase rows)
      {"LinearPretransposedShape",
       [] {
         tg::linear_pretransposed(f32({5, 4}), f32({3, 4}), f32({3, 4}));
       },
       "linear_pretransposed: weight_t must have the transposed shape of weight [3, 4], got [3, 4]"},
      {"LinearPretransposedDtype",
       [] {
         tg::linear_pretransposed(f32({5, 4}), f32({3, 4}), f64({4, 3}));
       },
       "linear_pretransposed: weight_t is float64 but weight is float32"},

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
       "add_: a leaf Variable that requires grad is being used in an in-place operation"},
      {"InplaceNonLeaf", [] { (leaf({2}) * 2.0).fill_(2.0); },
       "fill_: in-place modification of a tensor computed by MulBackward is not supported"},
      {"InplaceOnAView",
       [] {
         const tg::Tensor y = leaf({2}) * 2.0;
         y.view({2}).add_(1.0);
       },
       "add_: self shares its storage with another tensor (a view or its base"},
      {"InplaceCast", [] { tg::arange(3).mul_(0.5); },
       "mul_: result type float32 can't be cast to the desired output type int64"},
      {"InplaceBroadcast",
       [] {
         f32({3}).copy_(f32({2, 3}));
       },
       "copy_: other of shape [2, 3] cannot be broadcast to self's shape [3]"},
      {"InplaceDtypes", [] { tg::arange(3).mul_(f64({3})); },
       "mul_: result type float64 can't be cast to the desired output type int64"},

      // ---- autograd
      {"BackwardNonScalar", [] { (leaf({3}) * 2.0).backward(); },
       "backward: grad can be implicitly created only for scalar outputs, but the tensor computed by "
       "MulBackward has shape [3]"},
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
       "grad: input 1 (shape [2]) was not used to compute the outputs: One of the differentiated Tensors "
       "appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."},
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
