#pragma once
// The message of the tg::Error a callable throws, for EXPECT_THAT(error_message(...), HasSubstr(...)).
#include <gtest/gtest.h>
#include <string>

#include <tapegrad/autograd/core/error.hpp>

namespace tg::testing {

/// Runs fn and returns what() of the tg::Error it throws; records a test failure (and returns "")
/// when it throws nothing.
template <class F>
std::string error_message(F&& fn) {
  try {
    fn();
  } catch (const tg::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a tg::Error";
  return {};
}

}  // namespace tg::testing
