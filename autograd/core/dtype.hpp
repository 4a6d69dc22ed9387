#pragma once
// Element types a tensor can hold.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace tg {

enum class Dtype : std::uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kDouble = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kLong = Dtype::Int64;

constexpr std::size_t element_size(Dtype dtype) { return dtype == Dtype::Float32 ? 4 : 8; }
constexpr bool is_floating_point(Dtype dtype) { return dtype != Dtype::Int64; }

constexpr std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return "float32";
    case Dtype::Float64:
      return "float64";
    case Dtype::Int64:
      return "int64";
  }
  return "unknown";
}

inline std::ostream& operator<<(std::ostream& out, Dtype dtype) { return out << dtype_name(dtype); }

/// The Dtype of a C++ element type: dtype_of<float> == kFloat32.
template <class T>
constexpr Dtype dtype_of();
template <>
constexpr Dtype dtype_of<float>() {
  return Dtype::Float32;
}
template <>
constexpr Dtype dtype_of<double>() {
  return Dtype::Float64;
}
template <>
constexpr Dtype dtype_of<std::int64_t>() {
  return Dtype::Int64;
}

}  // namespace tg
