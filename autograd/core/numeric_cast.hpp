#pragma once
// Checked conversion of floating-point values to int64 (a plain cast of NaN, an infinity or a value
// outside int64's range is undefined behaviour).
#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/core/error.hpp>

namespace tg {

/// True when static_cast<std::int64_t>(value) is defined: value is finite and its truncation toward
/// zero lies in [-2^63, 2^63). NaN compares false with both bounds.
template <std::floating_point T>
constexpr bool fits_in_int64(T value) {
  return value >= static_cast<T>(-0x1.0p63) && value < static_cast<T>(0x1.0p63);
}

/// Throws tg::Error naming `op` when `value` is to be stored in an integer tensor and does not fit in
/// int64 (narrower integer types then wrap around as in PyTorch).
inline void check_representable(std::string_view op, double value, Dtype dtype) {
  check(!is_integral(dtype, false) || fits_in_int64(value), op, "the value ", value,
        " cannot be stored in an ", dtype, " tensor (NaN, infinite or outside the int64 range)");
}

/// Element conversion as PyTorch's: anything -> bool is `!= 0`; floating -> integer truncates toward zero
/// through int64 (callers check fits_in_int64 first) and narrower integers wrap around (well defined
/// since C++20), as do integer -> narrower integer conversions.
template <class To, class From>
constexpr To convert_element(From value) {
  if constexpr (std::is_same_v<To, bool>)
    return value != From(0);
  else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>)
    return static_cast<To>(static_cast<std::int64_t>(value));
  else
    return static_cast<To>(value);
}

}  // namespace tg
