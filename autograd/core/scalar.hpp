#pragma once
// Scalar: a C++ number as libtorch's ops take it (c10::Scalar): a double, an int64 or a bool, keeping
// which one it is, since that decides the result dtype (int tensor + 2 stays int, + 2.5 is floating).
#include <concepts>
#include <cstdint>
#include <ostream>

#include <tapegrad/autograd/core/dtype.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class Scalar {
 public:
  Scalar() : Scalar(std::int64_t{0}) {}
  Scalar(bool value) : kind_(Dtype::Bool), integer_(value ? 1 : 0) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Scalar(T value)
      : kind_(Dtype::Int64), integer_(static_cast<std::int64_t>(value)) {}
  template <std::floating_point T>
  Scalar(T value) : kind_(Dtype::Float64), floating_(static_cast<double>(value)) {}

  bool isFloatingPoint() const { return kind_ == Dtype::Float64; }
  bool isIntegral(bool include_bool) const {
    return kind_ == Dtype::Int64 || (include_bool && kind_ == Dtype::Bool);
  }
  bool isBoolean() const { return kind_ == Dtype::Bool; }
  /// Float64, Int64 or Bool: the category the number brings into type promotion.
  Dtype type() const { return kind_; }

  double toDouble() const { return isFloatingPoint() ? floating_ : static_cast<double>(integer_); }
  float toFloat() const { return static_cast<float>(toDouble()); }
  /// Truncates a floating value toward zero; throws tg::Error when it does not fit in int64.
  std::int64_t toLong() const;
  std::int32_t toInt() const { return static_cast<std::int32_t>(toLong()); }
  bool toBool() const { return isFloatingPoint() ? floating_ != 0.0 : integer_ != 0; }
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>)
      return toBool();
    else if constexpr (std::is_floating_point_v<T>)
      return static_cast<T>(toDouble());
    else
      return static_cast<T>(toLong());
  }

  Scalar operator-() const {
    if (isFloatingPoint()) return Scalar(-floating_);
    return Scalar(-integer_);
  }

 private:
  Dtype kind_;
  double floating_ = 0.0;
  std::int64_t integer_ = 0;
};

inline bool operator==(const Scalar& a, const Scalar& b) {
  if (a.isFloatingPoint() || b.isFloatingPoint()) return a.toDouble() == b.toDouble();
  return a.toLong() == b.toLong();
}
std::ostream& operator<<(std::ostream& out, const Scalar& value);

}  // namespace tg

#pragma GCC visibility pop
