#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include <tapegrad/autograd/core/numeric_cast.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/tensor/block_pool.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
namespace {

// Every factory starts here: options may name a device tapegrad does not have.
Dtype checked_dtype(std::string_view op, const TensorOptions& options) {
  detail::check_cpu_device(op, options.device());
  return options.dtype();
}

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

template <class T>
Tensor from_values(const T* values, std::size_t count, IntArrayRef sizes, TensorOptions options,
                   Dtype natural) {
  detail::check_cpu_device("tensor", options.device());
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
  return finish(detail::make_contiguous(sizes, checked_dtype("empty", options), "empty"), options);
}

Tensor full(IntArrayRef sizes, double value, TensorOptions options) {
  checked_dtype("full", options);
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
  Tensor out = detail::make_contiguous(sizes, checked_dtype("zeros", options), "zeros");
  std::memset(out.raw_data(), 0, static_cast<std::size_t>(out.numel()) * element_size(out.dtype()));
  return finish(out, options);
}

Tensor ones(IntArrayRef sizes, TensorOptions options) {
  checked_dtype("ones", options);
  return full(sizes, 1.0, options);
}
Tensor scalar_tensor(double value, TensorOptions options) {
  checked_dtype("scalar_tensor", options);
  return full({}, value, options);
}

Tensor eye(std::int64_t n, TensorOptions options) { return eye(n, n, options); }

Tensor eye(std::int64_t n, std::int64_t m, TensorOptions options) {
  check(n >= 0, "eye", "n must be greater or equal to 0, got ", n);
  check(m >= 0, "eye", "m must be greater or equal to 0, got ", m);
  checked_dtype("eye", options);
  Tensor out = zeros({n, m}, options.requires_grad(false));
  kernels::dispatch(out.dtype(), [&]<class T>() {
    for (std::int64_t i = 0; i < std::min(n, m); ++i) out.data_ptr<T>()[i * m + i] = T(1);
  });
  return finish(out, options);
}

TensorOptions detail::like(const Tensor& other, std::string_view op, TensorOptions options) {
  check_defined(op, "self", other);
  check_cpu_device(op, options.device());
  return options.has_dtype() ? options : options.dtype(other.dtype());
}

Tensor empty_like(const Tensor& other, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "empty_like", options);  // checks `other` first
  return empty(other.sizes(), resolved);
}
Tensor zeros_like(const Tensor& other, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "zeros_like", options);  // checks `other` first
  return zeros(other.sizes(), resolved);
}
Tensor ones_like(const Tensor& other, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "ones_like", options);  // checks `other` first
  return ones(other.sizes(), resolved);
}
Tensor full_like(const Tensor& other, double value, TensorOptions options) {
  const TensorOptions resolved = detail::like(other, "full_like", options);  // checks `other` first
  return full(other.sizes(), value, resolved);
}

namespace {
// Value i of linspace(start, end, steps): counted up from start in the first half and down from end in
// the second, so both endpoints are exact and the values are symmetric (as PyTorch computes them).
double linspace_value(double start, double end, std::int64_t steps, std::int64_t i) {
  const double step = (end - start) / static_cast<double>(steps - 1);
  return i < steps / 2 ? start + step * static_cast<double>(i)
                       : end - step * static_cast<double>(steps - 1 - i);
}

template <class Value>
Tensor spaced(std::string_view op, double start, double end, std::int64_t steps, TensorOptions options,
              Value value) {
  check(steps >= 0, op, "number of steps must be non-negative, got ", steps);
  check(std::isfinite(start) && std::isfinite(end), op, "start (", start, ") and end (", end,
        ") must be finite");
  Tensor out = detail::make_contiguous({steps}, checked_dtype(op, options), op);
  kernels::dispatch(out.dtype(), [&]<class T>() {
    T* data = out.data_ptr<T>();
    for (std::int64_t i = 0; i < steps; ++i) {
      const double v = steps == 1 ? value(start) : value(linspace_value(start, end, steps, i));
      check_representable(op, v, out.dtype());
      data[i] = static_cast<T>(v);
    }
  });
  return finish(out, options);
}
}  // namespace

Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options) {
  return spaced("linspace", start, end, steps, options, [](double x) { return x; });
}

Tensor logspace(double start, double end, std::int64_t steps, double base, TensorOptions options) {
  return spaced("logspace", start, end, steps, options, [base](double x) { return std::pow(base, x); });
}

Tensor arange_values(double start, double end, double step, TensorOptions options) {
  check(step != 0, "arange", "step must be non-zero");
  check(std::isfinite(start) && std::isfinite(end), "arange", "start and end must be finite");
  checked_dtype("arange", options);
  check(step > 0 ? end >= start : end <= start, "arange",
        "upper bound and larger bound inconsistent with step sign: start ", start, ", end ", end, ", step ",
        step);
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
  // libtorch's torch::tensor rule: floating values take the default dtype, integers int64.
  const Dtype natural = std::is_floating_point_v<T> ? get_default_dtype() : Dtype::Int64;
  return from_values(values.data(), values.size(), sizes, options, natural);
}
template Tensor tensor<float>(const std::vector<float>&, IntArrayRef, TensorOptions);
template Tensor tensor<double>(const std::vector<double>&, IntArrayRef, TensorOptions);
template Tensor tensor<std::int32_t>(const std::vector<std::int32_t>&, IntArrayRef, TensorOptions);
template Tensor tensor<std::int64_t>(const std::vector<std::int64_t>&, IntArrayRef, TensorOptions);

Tensor tensor(std::initializer_list<double> values, IntArrayRef sizes, TensorOptions options) {
  return from_values(values.begin(), values.size(), sizes, options, get_default_dtype());
}

// ---- nested braced lists (TensorData)

TensorData::Kind TensorData::kind() const {
  if (is_leaf_) return leaf_.kind;
  Kind widest = Kind::None;
  for (const TensorData& element : elements_) widest = std::max(widest, element.kind());
  return widest;
}

Dtype TensorData::natural_dtype() const {
  switch (kind()) {
    case Kind::Bool:
      return kBool;
    case Kind::Integral:
      return kInt64;
    case Kind::None:
    case Kind::Floating:
      break;
  }
  return get_default_dtype();
}

Shape TensorData::sizes() const {
  Shape sizes;  // from the first element at each depth, then every element is checked against it
  for (const TensorData* data = this; !data->is_leaf_; data = &data->elements_.front()) {
    sizes.push_back(static_cast<std::int64_t>(data->elements_.size()));
    if (data->elements_.empty()) break;
  }
  check_sizes(sizes, 0);
  return sizes;
}

void TensorData::check_sizes(IntArrayRef sizes, std::size_t depth) const {
  const auto expected = [&] { return std::vector<std::int64_t>(sizes.begin() + depth, sizes.end()); };
  const bool matches =
      is_leaf_ ? depth == sizes.size()
               : depth < sizes.size() && static_cast<std::int64_t>(elements_.size()) == sizes[depth];
  check(
      matches, "tensor", "Expected all sub-lists to have sizes: ", IntArrayRef(expected()),
      " (as the first one at depth ", depth, "), but got ",
      is_leaf_ ? std::string("a scalar") : "a sub-list of " + std::to_string(elements_.size()) + " elements",
      "; ragged nested lists cannot form a tensor");
  for (const TensorData& element : elements_) element.check_sizes(sizes, depth + 1);
}

void TensorData::fill(const Tensor& out) const {
  const Dtype dtype = out.dtype();
  kernels::dispatch(dtype, [&]<class T>() {
    T* next = out.data_ptr<T>();
    // Depth-first over the lists is row-major order. An explicit stack keeps deep nesting off the call stack.
    std::vector<const TensorData*> pending{this};
    while (!pending.empty()) {
      const TensorData* data = pending.back();
      pending.pop_back();
      if (!data->is_leaf_) {
        for (auto it = data->elements_.rbegin(); it != data->elements_.rend(); ++it) pending.push_back(&*it);
        continue;
      }
      const Leaf& leaf = data->leaf_;
      if constexpr (std::is_integral_v<T>) {
        if (leaf.kind != Kind::Floating) {
          *next++ = static_cast<T>(leaf.integer);
          continue;
        }
      }
      check_representable("tensor", leaf.floating, dtype);
      *next++ = leaf.kind == Kind::Floating ? static_cast<T>(leaf.floating) : static_cast<T>(leaf.integer);
    }
  });
}

Tensor tensor(const TensorData& data, TensorOptions options) {
  detail::check_cpu_device("tensor", options.device());
  const Dtype dtype = options.has_dtype() ? options.dtype() : data.natural_dtype();
  Tensor out = detail::make_contiguous(data.sizes(), dtype, "tensor");
  data.fill(out);
  return finish(out, options);
}

Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter, TensorOptions options) {
  checked_dtype("from_blob", options);
  const std::int64_t numel = checked_numel("from_blob", sizes, element_size(options.dtype()));
  check(data != nullptr || numel == 0, "from_blob", "data pointer is null");
  auto impl = detail::make_pooled<TensorImpl>();
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
