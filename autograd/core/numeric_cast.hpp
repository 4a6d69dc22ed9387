#pragma once
// Checked conversion of floating-point values to int64 (a plain cast of NaN, an infinity or a value
// outside int64's range is undefined behaviour).
#include <concepts>
#include <cstdint>
#include <string_view>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>

namespace tg {

/// True when static_cast<std::int64_t>(value) is defined: value is finite and its truncation toward
/// zero lies in [-2^63, 2^63). NaN compares false with both bounds.
template <std::floating_point T>
constexpr bool fits_in_int64(T value) {
  return value >= static_cast<T>(-0x1.0p63) && value < static_cast<T>(0x1.0p63);
}

/// Throws tg::Error naming `op` when `value` is to be stored in an int64 tensor and does not fit.
inline void check_representable(std::string_view op, double value, Dtype dtype) {
  check(dtype != Dtype::Int64 || fits_in_int64(value), op, "the value ", value,
        " cannot be stored in an int64 tensor (NaN, infinite or outside the int64 range)");
}

}  // namespace tg
