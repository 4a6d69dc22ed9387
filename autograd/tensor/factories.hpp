#pragma once
// Tensor factories, named and defaulted as in libtorch.
#include <functional>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

Tensor empty(IntArrayRef sizes, TensorOptions options = {});
Tensor zeros(IntArrayRef sizes, TensorOptions options = {});
Tensor ones(IntArrayRef sizes, TensorOptions options = {});
Tensor full(IntArrayRef sizes, double value, TensorOptions options = {});
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});
Tensor eye(std::int64_t n, TensorOptions options = {});

Tensor empty_like(const Tensor& other);
Tensor zeros_like(const Tensor& other);
Tensor ones_like(const Tensor& other);
Tensor full_like(const Tensor& other, double value);

/// Values start, start + step, ... below end. Integer arguments give int64 unless options set a dtype.
Tensor arange_values(double start, double end, double step, TensorOptions options);
template <class T>
requires std::is_arithmetic_v<T> Tensor arange(T end, TensorOptions options = {}) {
  if (std::is_integral_v<T> && !options.has_dtype()) options = options.dtype(kInt64);
  return arange_values(0, static_cast<double>(end), 1, options);
}
template <class T>
requires std::is_arithmetic_v<T> Tensor arange(T start, T end, T step = 1, TensorOptions options = {}) {
  if (std::is_integral_v<T> && !options.has_dtype()) options = options.dtype(kInt64);
  return arange_values(static_cast<double>(start), static_cast<double>(end), static_cast<double>(step),
                       options);
}

/// Copies values into a new tensor of the given shape. The dtype follows T (float -> float32,
/// double -> float64, int64_t -> int64) unless options set one.
template <class T>
Tensor tensor(const std::vector<T>& values, IntArrayRef sizes, TensorOptions options = {});
template <class T>
Tensor tensor(const std::vector<T>& values, TensorOptions options = {}) {
  return tensor(values, {static_cast<std::int64_t>(values.size())}, options);
}
/// tg::tensor({1.0, 2.0, 3.0}, {3}, options): floating literals give float32 unless options set a dtype.
Tensor tensor(std::initializer_list<double> values, IntArrayRef sizes, TensorOptions options = {});
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {});

/// Wraps memory the caller owns (no copy); the caller keeps it alive while the tensor is used.
Tensor from_blob(void* data, IntArrayRef sizes, TensorOptions options = {});
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 TensorOptions options = {});

}  // namespace tg
