#include <cmath>
#include <cstring>
#include <type_traits>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

template <class T>
Tensor from_values(const T* values, std::size_t count, IntArrayRef sizes, TensorOptions options,
                   Dtype natural) {
  const Dtype dtype = options.has_dtype() ? options.dtype() : natural;
  const std::int64_t numel = checked_numel("tensor", sizes, element_size(dtype));
  check(numel == static_cast<std::int64_t>(count), "tensor", "got ", count, " values for shape ", sizes,
        " which holds ", numel);
  Tensor out = detail::make_contiguous(sizes, dtype, "tensor");
  if constexpr (std::is_floating_point_v<T>)
    for (std::size_t i = 0; i < count; ++i) check_representable("tensor", values[i], dtype);
  kernels::dispatch(dtype, [&]<class U>() {
    U* data = out.data_ptr<U>();
    for (std::size_t i = 0; i < count; ++i) data[i] = static_cast<U>(values[i]);
  });
  return finish(out, options);
}

}  // namespace

Tensor empty(IntArrayRef sizes, TensorOptions options) {
  return finish(detail::make_contiguous(sizes, options.dtype(), "empty"), options);
}

Tensor full(IntArrayRef sizes, double value, TensorOptions options) {
  check_representable("full", value, options.dtype());
  Tensor out = detail::make_contiguous(sizes, options.dtype(), "full");
  kernels::dispatch(options.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    const std::int64_t n = out.numel();
    for (std::int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(value);
  });
  return finish(out, options);
}

Tensor zeros(IntArrayRef sizes, TensorOptions options) {
  Tensor out = detail::make_contiguous(sizes, options.dtype(), "zeros");
  std::memset(out.raw_data(), 0, static_cast<std::size_t>(out.numel()) * element_size(out.dtype()));
  return finish(out, options);
}

Tensor ones(IntArrayRef sizes, TensorOptions options) { return full(sizes, 1.0, options); }
Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor eye(std::int64_t n, TensorOptions options) {
  Tensor out = zeros({n, n}, options.requires_grad(false));
  kernels::dispatch(out.dtype(), [&]<class T>() {
    for (std::int64_t i = 0; i < n; ++i) out.data_ptr<T>()[i * n + i] = T(1);
  });
  return finish(out, options);
}

Tensor empty_like(const Tensor& other) { return empty(other.sizes(), other.dtype()); }
Tensor zeros_like(const Tensor& other) { return zeros(other.sizes(), other.dtype()); }
Tensor ones_like(const Tensor& other) { return ones(other.sizes(), other.dtype()); }
Tensor full_like(const Tensor& other, double value) { return full(other.sizes(), value, other.dtype()); }

Tensor arange_values(double start, double end, double step, TensorOptions options) {
  check(step != 0, "arange", "step must be non-zero");
  check(std::isfinite(start) && std::isfinite(end), "arange", "start and end must be finite");
  const double count_real = std::ceil((end - start) / step);
  // (end - start) / step can exceed int64, or be infinite when end - start overflows.
  check(count_real < 0x1.0p63, "arange", "[", start, ", ", end, ") with step ", step, " has ", count_real,
        " elements, more than a tensor can hold");
  const std::int64_t count = count_real > 0 ? static_cast<std::int64_t>(count_real) : 0;
  if (count > 0) {  // the values run monotonically from the first to the last
    check_representable("arange", start, options.dtype());
    check_representable("arange", start + step * static_cast<double>(count - 1), options.dtype());
  }
  Tensor out = detail::make_contiguous({count}, options.dtype(), "arange");
  kernels::dispatch(options.dtype(), [&]<class T>() {
    for (std::int64_t i = 0; i < count; ++i) out.data_ptr<T>()[i] = static_cast<T>(start + step * i);
  });
  return finish(out, options);
}

template <class T>
Tensor tensor(const std::vector<T>& values, IntArrayRef sizes, TensorOptions options) {
  return from_values(values.data(), values.size(), sizes, options, dtype_of<T>());
}
template Tensor tensor<float>(const std::vector<float>&, IntArrayRef, TensorOptions);
template Tensor tensor<double>(const std::vector<double>&, IntArrayRef, TensorOptions);
template Tensor tensor<std::int64_t>(const std::vector<std::int64_t>&, IntArrayRef, TensorOptions);

Tensor tensor(std::initializer_list<double> values, IntArrayRef sizes, TensorOptions options) {
  return from_values(values.begin(), values.size(), sizes, options, get_default_dtype());
}

Tensor tensor(std::initializer_list<double> values, TensorOptions options) {
  return tensor(values, {static_cast<std::int64_t>(values.size())}, options);
}

Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter, TensorOptions options) {
  const std::int64_t numel = checked_numel("from_blob", sizes, element_size(options.dtype()));
  check(data != nullptr || numel == 0, "from_blob", "data pointer is null");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(
      data, static_cast<std::size_t>(numel) * element_size(options.dtype()), std::move(deleter));
  impl->sizes = sizes.vec();
  impl->strides = contiguous_strides(sizes);
  impl->dtype = options.dtype();
  return finish(Tensor(std::move(impl)), options);
}

Tensor from_blob(void* data, IntArrayRef sizes, TensorOptions options) {
  return from_blob(data, sizes, nullptr, options);
}

}  // namespace tg
