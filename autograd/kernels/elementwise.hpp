#pragma once
// Strided N-d loops shared by element-wise kernels: contiguous fast paths, the thread pool above a size
// threshold. Included only by .cpp files of the library.
#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <tapegrad/autograd/core/shape.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::kernels {

/// Calls body(offsets, count, inner_strides) once per innermost row of `sizes`, where offsets[i] is the
/// element offset of the row's first element in operand i (given that operand's strides). Adjacent dims
/// that every operand steps through as one ([N, C, H, W] * [N, C, 1, 1]: H and W, and N and C) are
/// merged first, so rows are as long as the layouts allow.
template <std::size_t N, class Body>
void for_each_row(IntArrayRef sizes, const std::array<const std::int64_t*, N>& strides, Body&& body) {
  const std::int64_t numel = shape_numel(sizes);
  std::array<std::int64_t, N> inner_strides{};
  if (sizes.empty()) {
    std::array<std::int64_t, N> offsets{};
    body(offsets, std::int64_t{1}, inner_strides);
    return;
  }
  if (numel == 0) return;
  // Merged dims, innermost first; size-1 dims are dropped.
  Shape merged_sizes;
  std::array<Shape, N> merged_strides;
  for (std::size_t d = sizes.size(); d-- > 0;) {
    if (sizes[d] == 1) continue;
    bool joins = !merged_sizes.empty();
    for (std::size_t op = 0; op < N && joins; ++op)
      joins = strides[op][d] == merged_strides[op].back() * merged_sizes.back();
    if (joins) {
      merged_sizes.back() *= sizes[d];
      continue;
    }
    merged_sizes.push_back(sizes[d]);
    for (std::size_t op = 0; op < N; ++op) merged_strides[op].push_back(strides[op][d]);
  }
  if (merged_sizes.empty()) {  // a single element
    std::array<std::int64_t, N> offsets{};
    body(offsets, std::int64_t{1}, inner_strides);
    return;
  }
  const std::int64_t inner = merged_sizes[0];
  for (std::size_t op = 0; op < N; ++op) inner_strides[op] = merged_strides[op][0];
  const std::size_t rank = merged_sizes.size();
  const std::int64_t rows = numel / inner;
  parallel_for(rows, numel >= kParallelThreshold, [&](std::int64_t row) {
    std::array<std::int64_t, N> offsets{};
    std::int64_t rest = row;
    for (std::size_t d = 1; d < rank; ++d) {
      const std::int64_t index = rest % merged_sizes[d];
      rest /= merged_sizes[d];
      for (std::size_t op = 0; op < N; ++op) offsets[op] += index * merged_strides[op][d];
    }
    body(offsets, inner, inner_strides);
  });
}

/// Strides of `tensor` as seen from `out_sizes` after broadcasting (0 on broadcast dims).
Shape broadcast_strides(const Tensor& tensor, IntArrayRef out_sizes);

/// y = f(x) element-wise; the result is contiguous with x's dtype.
template <class F>
Tensor map(std::string_view op, const Tensor& x, F f) {
  Tensor input = x.contiguous();
  Tensor out = detail::make_contiguous(x.sizes(), x.dtype());
  dispatch_floating(op, x.dtype(), [&]<class T>() {
    const T* in = input.data_ptr<T>();
    T* result = out.data_ptr<T>();
    const std::int64_t n = input.numel();
    parallel_for(n, n >= kParallelThreshold, [=](std::int64_t i) { result[i] = static_cast<T>(f(in[i])); });
  });
  return out;
}

/// Which element types an element-wise kernel is compiled for, and the element type of its result.
enum class Types {
  Floating,   // float32/float64; the result has the inputs' dtype
  All,        // every dtype; the result has the inputs' dtype
  Predicate,  // every dtype; the result is bool (comparisons, logical ops)
};

template <Types types, class F>
decltype(auto) dispatch_types(std::string_view op, Dtype dtype, F&& f) {
  if constexpr (types == Types::Floating)
    return dispatch_floating(op, dtype, std::forward<F>(f));
  else
    return dispatch(dtype, std::forward<F>(f));
}

/// out = f(a, b) element-wise with broadcasting; a and b must share a dtype (floating unless `types`
/// says otherwise).
template <Types types = Types::Floating, class F>
Tensor zip(std::string_view op, const Tensor& a, const Tensor& b, F f) {
  check(a.dtype() == b.dtype(), op, "dtypes ", a.dtype(), " and ", b.dtype(),
        " differ; convert one with .to(", a.dtype(), ")");
  const bool same_sizes = a.sizes() == b.sizes();
  const Dtype out_dtype = types == Types::Predicate ? kBool : a.dtype();
  // Same sizes (the common case) go straight into the output: no Shape copy per op.
  Tensor out = same_sizes ? detail::make_contiguous(a.sizes(), out_dtype)
                          : detail::make_contiguous(broadcast_shapes(op, a.sizes(), b.sizes()), out_dtype);
  const IntArrayRef out_sizes = out.sizes();
  dispatch_types<types>(op, a.dtype(), [&]<class T>() {
    using O = std::conditional_t<types == Types::Predicate, bool, T>;
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    O* po = static_cast<O*>(out.raw_data());
    const std::int64_t n = out.numel();
    if (same_sizes && a.is_contiguous() && b.is_contiguous()) {
      parallel_for(n, n >= kParallelThreshold,
                   [=](std::int64_t i) { po[i] = static_cast<O>(f(pa[i], pb[i])); });
      return;
    }
    const Shape sa = broadcast_strides(a, out_sizes), sb = broadcast_strides(b, out_sizes);
    const Shape so = out.strides();
    for_each_row<3>(out_sizes, {sa.data(), sb.data(), so.data()},
                    [&](const std::array<std::int64_t, 3>& offsets, std::int64_t count,
                        const std::array<std::int64_t, 3>& step) {
                      const T* ra = pa + offsets[0];
                      const T* rb = pb + offsets[1];
                      O* ro = po + offsets[2];
                      // The common broadcast rows ([N, C] + [C], [N, C] * [N, 1]) get loops the
                      // compiler can vectorize; anything else takes the strided loop.
                      if (step[0] == 1 && step[1] == 1) {
                        for (std::int64_t i = 0; i < count; ++i) ro[i] = static_cast<O>(f(ra[i], rb[i]));
                      } else if (step[0] == 1 && step[1] == 0) {
                        const T b = *rb;
                        for (std::int64_t i = 0; i < count; ++i) ro[i] = static_cast<O>(f(ra[i], b));
                      } else if (step[0] == 0 && step[1] == 1) {
                        const T a = *ra;
                        for (std::int64_t i = 0; i < count; ++i) ro[i] = static_cast<O>(f(a, rb[i]));
                      } else {
                        for (std::int64_t i = 0; i < count; ++i)
                          ro[i] = static_cast<O>(f(ra[i * step[0]], rb[i * step[1]]));
                      }
                    });
  });
  return out;
}

/// y = f(x) element-wise over any dtype (strided input); the result is contiguous, of x's dtype or bool.
template <Types types, class F>
Tensor map_any(std::string_view op, const Tensor& x, F f) {
  Tensor input = x.contiguous();
  Tensor out = detail::make_contiguous(x.sizes(), types == Types::Predicate ? kBool : x.dtype());
  dispatch_types<types>(op, x.dtype(), [&]<class T>() {
    using O = std::conditional_t<types == Types::Predicate, bool, T>;
    const T* in = input.data_ptr<T>();
    O* result = static_cast<O*>(out.raw_data());
    const std::int64_t n = input.numel();
    parallel_for(n, n >= kParallelThreshold, [=](std::int64_t i) { result[i] = static_cast<O>(f(in[i])); });
  });
  return out;
}

/// Copies `source` (broadcast to destination's shape, any dtype) into `destination` element-wise.
/// Converting floating values to int64 truncates toward zero; when a value is NaN, infinite or out of
/// int64's range, throws tg::Error naming `op` before writing anything.
void copy(const Tensor& destination, const Tensor& source, std::string_view op = "copy_");

}  // namespace tg::kernels
