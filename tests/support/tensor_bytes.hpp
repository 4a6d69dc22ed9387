#pragma once
// Bit-exact tensor comparisons for save/load round trips.
#include <gtest/gtest.h>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace tg::testing {

/// The raw bytes of a tensor's elements (row-major).
inline std::string raw_bytes(const Tensor& tensor) {
  const Tensor contiguous = tensor.contiguous();
  const std::size_t size = contiguous.numel() * element_size(contiguous.dtype());
  return size == 0 ? std::string() : std::string(static_cast<const char*>(contiguous.raw_data()), size);
}

/// Same dtype, sizes and bytes.
inline void expect_identical(const Tensor& actual, const Tensor& expected, const std::string& name) {
  ASSERT_TRUE(actual.defined()) << name;
  EXPECT_EQ(actual.dtype(), expected.dtype()) << name;
  EXPECT_EQ(actual.sizes(), expected.sizes()) << name;
  EXPECT_EQ(raw_bytes(actual), raw_bytes(expected)) << name << ": values differ";
}

}  // namespace tg::testing
