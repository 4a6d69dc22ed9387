#pragma once
// Tensor factories, named and defaulted as in libtorch.
#include <functional>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor empty(IntArrayRef sizes, TensorOptions options = {});
Tensor zeros(IntArrayRef sizes, TensorOptions options = {});
Tensor ones(IntArrayRef sizes, TensorOptions options = {});
Tensor full(IntArrayRef sizes, double value, TensorOptions options = {});
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});
/// The n x m identity matrix (m = n when omitted).
Tensor eye(std::int64_t n, TensorOptions options = {});
Tensor eye(std::int64_t n, std::int64_t m, TensorOptions options = {});

/// `steps` values from start to end inclusive, evenly spaced (float32 unless options set a dtype). The
/// first half counts up from start and the second half down from end, so both endpoints are exact.
Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options = {});
/// base ** linspace(start, end, steps).
Tensor logspace(double start, double end, std::int64_t steps, double base = 10.0, TensorOptions options = {});

/// The *_like factories take other's sizes and dtype; options override the dtype and set requires_grad.
Tensor empty_like(const Tensor& other, TensorOptions options = {});
Tensor zeros_like(const Tensor& other, TensorOptions options = {});
Tensor ones_like(const Tensor& other, TensorOptions options = {});
Tensor full_like(const Tensor& other, double value, TensorOptions options = {});

/// Values start, start + step, ... below end (above end for a negative step). Integer arguments give
/// int64 unless options set a dtype, any floating argument gives float32, as in libtorch.
Tensor arange_values(double start, double end, double step, TensorOptions options);
#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
template <class... T>
TensorOptions arange_options(TensorOptions options) {
  if ((std::is_integral_v<T> && ...) && !options.has_dtype()) return options.dtype(kInt64);
  return options;
}
}  // namespace detail
#pragma GCC visibility pop
template <class End>
requires std::is_arithmetic_v<End> Tensor arange(End end, TensorOptions options = {}) {
  return arange_values(0, static_cast<double>(end), 1, detail::arange_options<End>(options));
}
template <class Start, class End>
requires std::is_arithmetic_v<Start> && std::is_arithmetic_v<End> Tensor arange(Start start, End end,
                                                                                TensorOptions options = {}) {
  return arange_values(static_cast<double>(start), static_cast<double>(end), 1,
                       detail::arange_options<Start, End>(options));
}
template <class Start, class End, class Step>
requires std::is_arithmetic_v<Start> && std::is_arithmetic_v<End> && std::is_arithmetic_v<Step> Tensor
arange(Start start, End end, Step step, TensorOptions options = {}) {
  return arange_values(static_cast<double>(start), static_cast<double>(end), static_cast<double>(step),
                       detail::arange_options<Start, End, Step>(options));
}

// Explicitly instantiated in factories.cpp; GCC exports such instantiations only when the template
// itself carries the attribute (the visibility pragma above is not enough for function templates).
/// Copies values into a new tensor of the given shape. Unless options set a dtype, floating values give
/// the default dtype (float32 unless changed) and integers int64, as libtorch's torch::tensor.
template <class T>
[[gnu::visibility("default")]] Tensor tensor(const std::vector<T>& values, IntArrayRef sizes,
                                             TensorOptions options = {});
template <class T>
Tensor tensor(const std::vector<T>& values, TensorOptions options = {}) {
  return tensor(values, {static_cast<std::int64_t>(values.size())}, options);
}
/// tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, options): the values in row-major order and the shape.
/// Floating literals give float32 unless options set a dtype.
Tensor tensor(std::initializer_list<double> values, IntArrayRef sizes, TensorOptions options = {});

/// A scalar or a nested braced list of scalars, the argument of tg::tensor(...) as libtorch's
/// TensorDataContainer: tg::tensor(2.5) is 0-d, tg::tensor({{1, 2}, {3, 4}}) is a 2 x 2 int64 tensor.
class TensorData {
 public:
  template <class T>
  requires std::is_arithmetic_v<T> TensorData(T value) : leaf_(Leaf::of(value)) {}
  TensorData(std::initializer_list<TensorData> elements) : elements_(elements), is_leaf_(false) {}
  /// A named std::initializer_list<double> (or of any arithmetic type) is a 1-d list too.
  template <class T>
  requires std::is_arithmetic_v<T> TensorData(std::initializer_list<T> values) : is_leaf_(false) {
    elements_.reserve(values.size());
    for (T value : values) elements_.emplace_back(value);
  }

  /// The dtype the values ask for, as libtorch's: bool when all are bool, int64 when all are integral,
  /// else the default dtype (float32), also for an empty list. libtorch rejects mixed lists such as
  /// {1, 2.5}; tapegrad promotes them.
  Dtype natural_dtype() const;
  /// The shape of the nested lists; throws tg::Error for ragged lists.
  Shape sizes() const;
  /// Writes the values, converted, into out (contiguous, of shape sizes()).
  void fill(const Tensor& out) const;

 private:
  // Ordered for promotion: the list's kind is the largest of its leaves'.
  enum class Kind : std::uint8_t { None, Bool, Integral, Floating };
  struct Leaf {
    double floating = 0;
    std::int64_t integer = 0;
    Kind kind = Kind::None;
    template <class T>
    static Leaf of(T value) {
      if constexpr (std::is_same_v<T, bool>)
        return {static_cast<double>(value), static_cast<std::int64_t>(value), Kind::Bool};
      else if constexpr (std::is_integral_v<T>)
        return {static_cast<double>(value), static_cast<std::int64_t>(value), Kind::Integral};
      else
        return {static_cast<double>(value), 0, Kind::Floating};
    }
  };
  Kind kind() const;
  void check_sizes(IntArrayRef sizes, std::size_t depth) const;
  Leaf leaf_;
  std::vector<TensorData> elements_;
  bool is_leaf_ = true;
};

/// tg::tensor(1.5), tg::tensor({1, 2, 3}), tg::tensor({{1., 2.}, {3., 4.}}, tg::kFloat64).
Tensor tensor(const TensorData& data, TensorOptions options = {});

/// Wraps memory the caller owns (no copy); the caller keeps it alive while the tensor is used.
Tensor from_blob(void* data, IntArrayRef sizes, TensorOptions options = {});
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 TensorOptions options = {});

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// The options of a *_like factory: other's dtype unless options name one; requires_grad only from
/// options, as in libtorch. Throws tg::Error naming `op` when other is undefined.
TensorOptions like(const Tensor& other, std::string_view op, TensorOptions options);
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

#pragma GCC visibility pop
