#pragma once
// One-line gradient checks in GoogleTest:
//   EXPECT_GRADCHECK(fn, {x, w});          EXPECT_GRADGRADCHECK(fn, {x, w});
// fn takes a tg::tensor_list and returns a Tensor or a tensor_list; inputs that require grad must be
// float64. On failure the test output names the input and element, with analytical and numerical values.
#include <gtest/gtest.h>

#include <tapegrad/autograd/gradcheck.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::testing {

template <class F>
::testing::AssertionResult gradcheck_passes(F&& fn, const tensor_list& inputs,
                                            autograd::GradcheckOptions options = {}) {
  options.raise_exception = false;
  autograd::GradcheckResult result = autograd::gradcheck(std::forward<F>(fn), inputs, options);
  if (result.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.message;
}

template <class F>
::testing::AssertionResult gradgradcheck_passes(F&& fn, const tensor_list& inputs,
                                                autograd::GradcheckOptions options = {}) {
  options.raise_exception = false;
  autograd::GradcheckResult result = autograd::gradgradcheck(std::forward<F>(fn), inputs, options);
  if (result.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.message;
}

}  // namespace tg::testing

// Macros only because GoogleTest's failure location needs them; the work is in the functions above.
#define EXPECT_GRADCHECK(fn, ...) EXPECT_TRUE(::tg::testing::gradcheck_passes(fn, __VA_ARGS__))
#define ASSERT_GRADCHECK(fn, ...) ASSERT_TRUE(::tg::testing::gradcheck_passes(fn, __VA_ARGS__))
#define EXPECT_GRADGRADCHECK(fn, ...) EXPECT_TRUE(::tg::testing::gradgradcheck_passes(fn, __VA_ARGS__))

#pragma GCC visibility pop
