#pragma once
// libtorch's ExpandingArray (torch/expanding_array.h): D values given either as one value repeated
// ("kernel_size(3)" is 3x3 for a 2-d layer) or as exactly D values; the options of convolution and
// pooling layers hold their sizes this way.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/core/array_ref.hpp>
#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/core/shape.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

template <std::size_t D, class T = std::int64_t>
class ExpandingArray {
 public:
  /*implicit*/ ExpandingArray(std::initializer_list<T> values) : ExpandingArray(ArrayRef<T>(values)) {}
  /*implicit*/ ExpandingArray(std::vector<T> values) : ExpandingArray(ArrayRef<T>(values)) {}
  /*implicit*/ ExpandingArray(ArrayRef<T> values) {
    check(values.size() == D, "ExpandingArray", "Expected ", D, " values, but instead got ", values.size());
    std::copy_n(values.begin(), D, values_.begin());
  }
  /*implicit*/ ExpandingArray(IntArrayRef values) requires std::is_same_v<T, std::int64_t>
      : ExpandingArray(ArrayRef<T>(values.begin(), values.end())) {}
  /*implicit*/ ExpandingArray(T single_size) { values_.fill(single_size); }
  /*implicit*/ constexpr ExpandingArray(const std::array<T, D>& values) : values_(values) {}

  std::array<T, D>& operator*() { return values_; }
  const std::array<T, D>& operator*() const { return values_; }
  std::array<T, D>* operator->() { return &values_; }
  const std::array<T, D>* operator->() const { return &values_; }
  operator ArrayRef<T>() const { return ArrayRef<T>(values_); }
  operator IntArrayRef() const requires std::is_same_v<T, std::int64_t> {
    return IntArrayRef(std::span<const std::int64_t>(values_));
  }
  std::size_t size() const noexcept { return D; }

 protected:
  std::array<T, D> values_{};
};

template <std::size_t D, class T>
std::ostream& operator<<(std::ostream& stream, const ExpandingArray<D, T>& array) {
  if (std::all_of(array->begin(), array->end(), [&](const T& v) { return v == (*array)[0]; }))
    return stream << (*array)[0];
  stream << '[';
  for (std::size_t i = 0; i < D; ++i) stream << (i ? ", " : "") << (*array)[i];
  return stream << ']';
}

/// Sizes where an element may be left out (std::nullopt: "keep the input's size"), as the output sizes of
/// the adaptive pooling layers.
template <std::size_t D, class T = std::int64_t>
class ExpandingArrayWithOptionalElem : public ExpandingArray<D, std::optional<T>> {
  using Base = ExpandingArray<D, std::optional<T>>;

 public:
  using Base::Base;
  /*implicit*/ ExpandingArrayWithOptionalElem(std::initializer_list<T> values)
      : ExpandingArrayWithOptionalElem(ArrayRef<T>(values)) {}
  /*implicit*/ ExpandingArrayWithOptionalElem(std::vector<T> values)
      : ExpandingArrayWithOptionalElem(ArrayRef<T>(values)) {}
  /*implicit*/ ExpandingArrayWithOptionalElem(ArrayRef<T> values) : Base(std::optional<T>()) {
    check(values.size() == D, "ExpandingArrayWithOptionalElem", "Expected ", D, " values, but instead got ",
          values.size());
    std::copy_n(values.begin(), D, this->values_.begin());
  }
  /*implicit*/ ExpandingArrayWithOptionalElem(T single_size) : Base(std::optional<T>(single_size)) {}
  /*implicit*/ ExpandingArrayWithOptionalElem(const std::array<T, D>& values) : Base(std::optional<T>()) {
    std::copy_n(values.begin(), D, this->values_.begin());
  }
};

template <std::size_t D, class T>
std::ostream& operator<<(std::ostream& stream, const ExpandingArrayWithOptionalElem<D, T>& array) {
  const auto print = [&](const std::optional<T>& v) -> std::ostream& {
    return v ? (stream << *v) : (stream << "None");
  };
  if (std::all_of(array->begin(), array->end(), [&](const auto& v) { return v == (*array)[0]; }))
    return print((*array)[0]);
  stream << '[';
  for (std::size_t i = 0; i < D; ++i) {
    if (i) stream << ", ";
    print((*array)[i]);
  }
  return stream << ']';
}

}  // namespace tg

#pragma GCC visibility pop
