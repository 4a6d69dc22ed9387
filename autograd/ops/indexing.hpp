#pragma once
// libtorch's tensor indexing API: x.index({Slice(1, None), 0, "...", None, mask}) and
// x.index_put_({...}, values), with tg::indexing::{Slice, None, Ellipsis, TensorIndex}.
// Ints, slices, None, "..." and bool scalars make views of x; int64/int32 index tensors and bool
// masks (advanced indexing) gather a copy, whose gradient scatter-adds (repeated indices accumulate).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {
namespace indexing {

/// x.index({None}) inserts a dim of size 1 (libtorch's at::indexing::None).
inline constexpr std::nullopt_t None = std::nullopt;

struct EllipsisIndexType {};
/// Stands for as many full slices as needed (also written "...").
inline constexpr EllipsisIndexType Ellipsis{};

/// start:stop:step along one dim; missing parts default as in Python (negatives count from the end).
class Slice {
 public:
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  std::optional<std::int64_t> start() const { return start_; }
  std::optional<std::int64_t> stop() const { return stop_; }
  std::int64_t step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_;
  std::int64_t step_;
};

/// One entry of an index list: None, Ellipsis / "...", an integer, a bool, a Slice or a Tensor.
class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };

  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  /// Only "..." is accepted.
  TensorIndex(const char* text);
  TensorIndex(std::int64_t integer) : kind_(Kind::Integer), integer_(integer) {}
  TensorIndex(int integer) : kind_(Kind::Integer), integer_(integer) {}
  template <class T>
  requires std::same_as<T, bool> TensorIndex(T boolean) : kind_(Kind::Boolean), boolean_(boolean) {}
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}
  TensorIndex(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {}

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_ellipsis() const { return kind_ == Kind::Ellipsis; }
  bool is_integer() const { return kind_ == Kind::Integer; }
  bool is_boolean() const { return kind_ == Kind::Boolean; }
  bool is_slice() const { return kind_ == Kind::Slice; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  std::int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

std::ostream& operator<<(std::ostream& out, const TensorIndex& index);

}  // namespace indexing

/// x[indices] with libtorch's (Python's) semantics; see the file comment.
Tensor index(const Tensor& self, std::span<const indexing::TensorIndex> indices);
/// at::index: one optional index tensor per leading dim (an empty one takes the whole dim).
Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices);
/// A copy of self with self[indices] = values (or += values when accumulate); differentiable in
/// self and values.
Tensor index_put(const Tensor& self, std::span<const indexing::TensorIndex> indices, const Tensor& values,
                 bool accumulate = false);
Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate = false);
/// self[indices] = values in place (+= when accumulate). Under grad mode a tensor that requires grad
/// (or values that do) is allowed when self is not a leaf and no other view shares its storage.
const Tensor& index_put_(const Tensor& self, std::span<const indexing::TensorIndex> indices,
                         const Tensor& values, bool accumulate = false);

}  // namespace tg

#pragma GCC visibility pop
