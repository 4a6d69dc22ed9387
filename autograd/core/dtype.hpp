#pragma once
// Element types a tensor can hold, libtorch's names for them, and PyTorch's type promotion.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <type_traits>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

// Ordered by promotion category (bool < integers < floating point); the order is not libtorch's
// numbering, which nothing here depends on.
enum class Dtype : std::uint8_t { Bool, UInt8, Int8, Int16, Int32, Int64, Float32, Float64 };
/// libtorch calls the element type ScalarType (torch::Dtype is the same type).
using ScalarType = Dtype;

inline constexpr Dtype kBool = Dtype::Bool;
inline constexpr Dtype kUInt8 = Dtype::UInt8;
inline constexpr Dtype kByte = Dtype::UInt8;
inline constexpr Dtype kInt8 = Dtype::Int8;
inline constexpr Dtype kChar = Dtype::Int8;
inline constexpr Dtype kInt16 = Dtype::Int16;
inline constexpr Dtype kShort = Dtype::Int16;
inline constexpr Dtype kInt32 = Dtype::Int32;
inline constexpr Dtype kInt = Dtype::Int32;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kLong = Dtype::Int64;
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kDouble = Dtype::Float64;

/// Every dtype, in enum order (for tables and tests).
inline constexpr Dtype kAllDtypes[] = {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat32, kFloat64};

constexpr std::size_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool:
    case Dtype::UInt8:
    case Dtype::Int8:
      return 1;
    case Dtype::Int16:
      return 2;
    case Dtype::Int32:
    case Dtype::Float32:
      return 4;
    case Dtype::Int64:
    case Dtype::Float64:
      return 8;
  }
  return 8;
}
constexpr bool is_floating_point(Dtype dtype) { return dtype == Dtype::Float32 || dtype == Dtype::Float64; }
/// libtorch's isIntegralType(dtype, includeBool).
constexpr bool is_integral(Dtype dtype, bool include_bool) {
  return dtype == Dtype::Bool ? include_bool : !is_floating_point(dtype);
}
constexpr bool isFloatingType(Dtype dtype) { return is_floating_point(dtype); }
constexpr bool isIntegralType(Dtype dtype, bool include_bool) { return is_integral(dtype, include_bool); }

constexpr std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool:
      return "bool";
    case Dtype::UInt8:
      return "uint8";
    case Dtype::Int8:
      return "int8";
    case Dtype::Int16:
      return "int16";
    case Dtype::Int32:
      return "int32";
    case Dtype::Int64:
      return "int64";
    case Dtype::Float32:
      return "float32";
    case Dtype::Float64:
      return "float64";
  }
  return "unknown";
}
/// libtorch's toString(ScalarType): "Float", "Long", ...
constexpr std::string_view toString(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool:
      return "Bool";
    case Dtype::UInt8:
      return "Byte";
    case Dtype::Int8:
      return "Char";
    case Dtype::Int16:
      return "Short";
    case Dtype::Int32:
      return "Int";
    case Dtype::Int64:
      return "Long";
    case Dtype::Float32:
      return "Float";
    case Dtype::Float64:
      return "Double";
  }
  return "Undefined";
}

inline std::ostream& operator<<(std::ostream& out, Dtype dtype) { return out << dtype_name(dtype); }

/// The Dtype of a C++ element type: dtype_of<float>() == kFloat32.
template <class T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, bool>)
    return Dtype::Bool;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return Dtype::UInt8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return Dtype::Int8;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return Dtype::Int16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return Dtype::Int32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return Dtype::Int64;
  else if constexpr (std::is_same_v<T, float>)
    return Dtype::Float32;
  else {
    static_assert(std::is_same_v<T, double>, "no tapegrad dtype for this element type");
    return Dtype::Float64;
  }
}

// ---- type promotion (PyTorch's torch.promote_types / torch.result_type)

/// The smallest dtype both a and b convert to without losing their category: bool < integer < floating.
/// uint8 with a signed integer type needs the next wider signed type (uint8 + int8 -> int16).
constexpr Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == Dtype::Bool) return b;
  if (b == Dtype::Bool) return a;
  if (is_floating_point(a) || is_floating_point(b)) {
    if (is_floating_point(a) && is_floating_point(b)) return a > b ? a : b;
    return is_floating_point(a) ? a : b;
  }
  if (a == Dtype::UInt8 || b == Dtype::UInt8) {
    const Dtype other = a == Dtype::UInt8 ? b : a;
    return other == Dtype::Int8 ? Dtype::Int16 : other;
  }
  return a > b ? a : b;
}

/// PyTorch's torch.can_cast: whether an op's result of dtype `from` may be written into a tensor of
/// dtype `to` (in-place ops, copies into outputs). Only the category matters: floating results never go
/// into integer tensors, nor non-bool results into bool tensors.
constexpr bool can_cast(Dtype from, Dtype to) {
  if (is_floating_point(from) && !is_floating_point(to)) return false;
  return from == Dtype::Bool || to != Dtype::Bool;
}

/// The floating dtype factories use when none is given (float32 unless changed).
Dtype get_default_dtype();
/// Sets it: float32 or float64 only (throws tg::Error otherwise), as torch.set_default_dtype.
void set_default_dtype(Dtype dtype);

/// Accumulates the operands of an op and gives the dtype of its result as PyTorch's result_type: the
/// operands in three tiers of priority (tensors with dims, 0-d tensors, C++ numbers), and a lower tier
/// changes the result only when its category (bool < integer < floating) is higher, e.g. an int64
/// tensor + a float64 0-d tensor -> float64, a float32 tensor + a float64 0-d tensor -> float32, an
/// int32 tensor + 2 -> int32, an int32 tensor + 2.5 -> the default float dtype.
class ResultType {
 public:
  ResultType& tensor(Dtype dtype, bool zero_dim) {
    merge(zero_dim ? zero_dim_ : dimensioned_, dtype);
    return *this;
  }
  /// A C++ number: floating numbers count as the default dtype, integers as int64, bools as bool.
  ResultType& number(Dtype category) {
    merge(number_, category == Dtype::Float64 || category == Dtype::Float32 ? get_default_dtype() : category);
    return *this;
  }
  Dtype result() const {
    const std::optional<Dtype> low = combine(zero_dim_, number_);
    return combine(dimensioned_, low).value_or(get_default_dtype());
  }

 private:
  static void merge(std::optional<Dtype>& tier, Dtype dtype) {
    tier = tier ? promote_types(*tier, dtype) : dtype;
  }
  static int category(Dtype dtype) { return dtype == Dtype::Bool ? 0 : is_floating_point(dtype) ? 2 : 1; }
  static std::optional<Dtype> combine(std::optional<Dtype> higher, std::optional<Dtype> lower) {
    if (!higher) return lower;
    if (!lower || category(*lower) <= category(*higher)) return higher;
    return promote_types(*higher, *lower);
  }
  std::optional<Dtype> dimensioned_, zero_dim_, number_;
};

}  // namespace tg

#pragma GCC visibility pop
