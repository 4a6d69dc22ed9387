#pragma once
// Sizes and strides (Shape), a non-owning view of them (IntArrayRef), and broadcasting rules.
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Sizes or strides of a tensor. A class of its own (not an alias) so that printing and comparison
/// helpers in namespace tg are found from any namespace.
class Shape : public boost::container::small_vector<std::int64_t, 6> {
 public:
  using small_vector::small_vector;
  Shape() = default;
};

/// A borrowed list of sizes or dims, as in libtorch: accepts {2, 3}, a std::vector, a Shape or one integer.
class IntArrayRef {
 public:
  IntArrayRef() = default;
  IntArrayRef(const std::int64_t& single) : data_(&single), size_(1) {}
// NOTE: like c10::IntArrayRef this borrows the braced list, which lives until the end of the full
// expression: pass `{2, 3}` straight to a function, never store an IntArrayRef made from one.
#if defined(__GNUC__) && !defined(__clang__)  // a GCC-only warning; clang has no such group
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  IntArrayRef(std::initializer_list<std::int64_t> values) : data_(values.begin()), size_(values.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  IntArrayRef(const std::vector<std::int64_t>& values) : data_(values.data()), size_(values.size()) {}
  IntArrayRef(const Shape& values) : data_(values.data()), size_(values.size()) {}
  IntArrayRef(std::span<const std::int64_t> values) : data_(values.data()), size_(values.size()) {}

  const std::int64_t* begin() const { return data_; }
  const std::int64_t* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::int64_t operator[](std::size_t i) const { return data_[i]; }
  Shape vec() const { return Shape(begin(), end()); }

 private:
  const std::int64_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// libtorch's OptionalIntArrayRef: dims that may be left out (nullopt: every dim).
using OptionalIntArrayRef = std::optional<IntArrayRef>;

// Inline, like shape_numel below: both run several times per op.
inline bool operator==(IntArrayRef a, IntArrayRef b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}
std::ostream& operator<<(std::ostream& out, IntArrayRef sizes);
inline std::ostream& operator<<(std::ostream& out, const Shape& sizes) { return out << IntArrayRef(sizes); }

/// Product of sizes (1 for a 0-d shape). Does not check for overflow: shapes are checked with
/// checked_numel where they are made, so a tensor's sizes always multiply within int64.
inline std::int64_t shape_numel(IntArrayRef sizes) {
  std::int64_t n = 1;
  for (const std::int64_t size : sizes) n *= size;
  return n;
}
/// The element count of `sizes` after checking that a tensor of `element_size`-byte elements can have
/// them: no size is negative, the product of the sizes with each counted as at least 1 (the largest
/// contiguous stride) fits in int64, and so does the byte count. Throws tg::Error naming `op` and the
/// sizes otherwise, e.g. "zeros: sizes [4611686018427387904, 4] overflow int64 ...".
std::int64_t checked_numel(std::string_view op, IntArrayRef sizes, std::size_t element_size = 1);
/// Row-major strides for the given sizes.
Shape contiguous_strides(IntArrayRef sizes);
/// NumPy broadcasting of two shapes; throws tg::Error naming `op` when they do not broadcast.
Shape broadcast_shapes(std::string_view op, IntArrayRef a, IntArrayRef b);
/// Maps a possibly negative dim into [0, rank); throws naming `op` when out of range.
std::int64_t wrap_dim(std::string_view op, std::int64_t dim, std::int64_t rank);
/// Formats sizes as "[2, 3]".
std::string to_string(IntArrayRef sizes);

}  // namespace tg

#pragma GCC visibility pop
