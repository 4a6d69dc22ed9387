#include <cmath>
#include <limits>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/lane_reductions.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/kernels/row_exp_sum.hpp>
#include <tapegrad/autograd/kernels/softmax_rows.hpp>

namespace tg::kernels {
namespace {

// `omp simd` reductions let the compiler reorder the additions (it may not otherwise), so these
// loops use full vectors.
// out_j = exp(x_j - top); returns their sum. out may be x.
template <class T>
T exp_shifted(const T* x, T* out, std::int64_t n, T top) {
  T total = 0;
#pragma omp simd reduction(+ : total)
  for (std::int64_t j = 0; j < n; ++j) {
    const T e = fast::exp_nonpositive(x[j] - top);
    out[j] = e;
    total += e;
  }
  return total;
}

template <class T>
T exp_shifted_sum(const T* x, std::int64_t n, T top) {
  T total = 0;
#pragma omp simd reduction(+ : total)
  for (std::int64_t j = 0; j < n; ++j) total += fast::exp_nonpositive(x[j] - top);
  return total;
}

template <class T>
void softmax_row(const T* x, T* out, std::int64_t n, bool log) {
  const T top = lane_row_max(x, n);  // not an `omp simd` max: clang starts those at -FLT_MAX
  if (log) {
    // (x - top) - log(sum), not x - (top + log(sum)): with large logits the sum top + log(sum) would round
    // away the small log term.
    const T log_sum = static_cast<T>(std::log(exp_shifted_sum(x, n, top)));
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) out[j] = (x[j] - top) - log_sum;
    return;
  }
  const T inverse = T(1) / exp_shifted(x, out, n, top);
#pragma omp simd
  for (std::int64_t j = 0; j < n; ++j) out[j] *= inverse;
}

template <class T>
void softmax_row_backward(const T* g, const T* y, T* dx, std::int64_t n, bool log) {
  T total = 0;
  if (log) {
#pragma omp simd reduction(+ : total)
    for (std::int64_t j = 0; j < n; ++j) total += g[j];
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) dx[j] = g[j] - fast::exp_nonpositive(y[j]) * total;
    return;
  }
#pragma omp simd reduction(+ : total)
  for (std::int64_t j = 0; j < n; ++j) total += g[j] * y[j];
#pragma omp simd
  for (std::int64_t j = 0; j < n; ++j) dx[j] = y[j] * (g[j] - total);
}

std::int64_t row_count(const Tensor& t, std::int64_t row_size) {
  return row_size == 0 ? 0 : t.numel() / row_size;
}

}  // namespace

void softmax_rows(const Tensor& input, const Tensor& out, std::int64_t row_size, bool log) {
  const std::int64_t rows = row_count(input, row_size);
  dispatch_floating(log ? "log_softmax" : "softmax", input.dtype(), [&]<class T>() {
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    parallel_for(rows, rows * row_size >= kParallelThreshold && rows > 1,
                 [&](std::int64_t r) { softmax_row(x + r * row_size, y + r * row_size, row_size, log); });
  });
}

Tensor softmax_rows_backward(const Tensor& grad, const Tensor& output, std::int64_t row_size, bool log) {
  const Tensor g = grad.contiguous(), y = output.contiguous();
  Tensor dx = detail::make_contiguous(y.sizes(), y.dtype());
  const std::int64_t rows = row_count(y, row_size);
  dispatch_floating(log ? "log_softmax_backward" : "softmax_backward", y.dtype(), [&]<class T>() {
    const T* pg = g.data_ptr<T>();
    const T* py = y.data_ptr<T>();
    T* out = dx.data_ptr<T>();
    parallel_for(rows, rows * row_size >= kParallelThreshold && rows > 1, [&](std::int64_t r) {
      const std::int64_t offset = r * row_size;
      softmax_row_backward(pg + offset, py + offset, out + offset, row_size, log);
    });
  });
  return dx;
}

CrossEntropyRows cross_entropy_rows(const Tensor& logits, const std::vector<std::int64_t>& targets) {
  const std::int64_t n = logits.size(0), classes = logits.size(1);
  CrossEntropyRows result{detail::make_contiguous({n}, logits.dtype()),
                          detail::make_contiguous({n}, logits.dtype()),
                          detail::make_contiguous({n}, logits.dtype())};
  dispatch_floating("cross_entropy", logits.dtype(), [&]<class T>() {
    const T* x = logits.data_ptr<T>();
    T* loss = result.loss.data_ptr<T>();
    T* maxima = result.row_max.data_ptr<T>();
    T* sums = result.exp_sum.data_ptr<T>();
    std::vector<T> target_logits(static_cast<std::size_t>(n));
    row_max_exp_sum(x, n, classes, maxima, sums, targets.data(), target_logits.data());
    for (std::int64_t r = 0; r < n; ++r) {
      // (top - x_t) first: it is exact or nearly so, whereas top + log(total) could lose the small part.
      const auto i = static_cast<std::size_t>(r);
      loss[r] = static_cast<T>(static_cast<double>(maxima[r] - target_logits[i]) +
                               std::log(static_cast<double>(sums[r])));
    }
  });
  return result;
}

Tensor cross_entropy_rows_backward(const Tensor& logits, const CrossEntropyRows& forward,
                                   const std::vector<std::int64_t>& targets,
                                   const std::vector<double>& scales) {
  const std::int64_t n = logits.size(0), classes = logits.size(1);
  Tensor grad = detail::make_contiguous(logits.sizes(), logits.dtype());
  dispatch_floating("cross_entropy_backward", logits.dtype(), [&]<class T>() {
    const T* x = logits.data_ptr<T>();
    const T* maxima = forward.row_max.data_ptr<T>();
    const T* sums = forward.exp_sum.data_ptr<T>();
    T* out = grad.data_ptr<T>();
    parallel_for(n, n * classes >= kParallelThreshold && n > 1, [&](std::int64_t r) {
      const T* row = x + r * classes;
      T* out_row = out + r * classes;
      const double scale = scales.size() == 1 ? scales[0] : scales[static_cast<std::size_t>(r)];
      const T top = maxima[r];
      const T factor = static_cast<T>(scale / static_cast<double>(sums[r]));
#pragma omp simd
      for (std::int64_t j = 0; j < classes; ++j) out_row[j] = fast::exp_nonpositive(row[j] - top) * factor;
      out_row[targets[static_cast<std::size_t>(r)]] -= static_cast<T>(scale);
    });
  });
  return grad;
}

}  // namespace tg::kernels
