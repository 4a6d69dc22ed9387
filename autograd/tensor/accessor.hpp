#pragma once
// TensorAccessor<T, N>: libtorch's `x.accessor<float, 2>()`, for hand-written loops over a tensor's
// elements: a[i][j] reads and writes through the tensor's strides (views included). Like libtorch's it
// does not check indices and does not keep the storage alive: use it while the tensor lives (which is
// why Tensor::accessor() is deleted on temporaries). Sizes and strides are copied in, so the accessor
// stays valid when the tensor is resized or reassigned while its storage lives on.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <tapegrad/autograd/core/shape.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

template <class T, std::size_t N>
class TensorAccessor {
  static_assert(N > 0, "accessor is used for indexing a tensor; for scalars use item<T>()");

 public:
  TensorAccessor(T* data, const std::int64_t* sizes, const std::int64_t* strides) : data_(data) {
    for (std::size_t d = 0; d < N; ++d) {
      sizes_[d] = sizes[d];
      strides_[d] = strides[d];
    }
  }

  /// N > 1: the sub-accessor of row i; N == 1: the element i.
  decltype(auto) operator[](std::int64_t i) const {
    if constexpr (N == 1)
      return static_cast<T&>(data_[i * strides_[0]]);
    else
      return TensorAccessor<T, N - 1>(data_ + i * strides_[0], sizes_.data() + 1, strides_.data() + 1);
  }

  std::int64_t size(std::int64_t dim) const { return sizes_[static_cast<std::size_t>(dim)]; }
  std::int64_t stride(std::int64_t dim) const { return strides_[static_cast<std::size_t>(dim)]; }
  IntArrayRef sizes() const { return IntArrayRef(std::span<const std::int64_t>(sizes_)); }
  IntArrayRef strides() const { return IntArrayRef(std::span<const std::int64_t>(strides_)); }
  T* data() const { return data_; }

 private:
  T* data_;
  std::array<std::int64_t, N> sizes_{};
  std::array<std::int64_t, N> strides_{};
};

}  // namespace tg

#pragma GCC visibility pop
