#pragma once
// Row maximum and sum over 16 independent lanes. Without -ffast-math GCC keeps a one-accumulator float
// reduction scalar (it may not reassociate the additions), so loops that must vectorize split the row
// into lanes by hand. Included only by .cpp files of the library; callers run them through isa_run so
// each instruction-set level gets its own vector code.
#include <algorithm>
#include <cstdint>
#include <limits>

namespace tg::kernels {

inline constexpr int kReductionLanes = 16;

/// max_j x[j]; NaN elements are skipped (a `>` comparison), -inf for an empty or all-NaN row.
template <class T>
T lane_row_max(const T* x, std::int64_t n) {
  T lanes[kReductionLanes];
  std::fill(lanes, lanes + kReductionLanes, -std::numeric_limits<T>::infinity());
  std::int64_t j = 0;
  for (; j + kReductionLanes <= n; j += kReductionLanes)
#pragma omp simd
    for (int k = 0; k < kReductionLanes; ++k) lanes[k] = x[j + k] > lanes[k] ? x[j + k] : lanes[k];
  for (; j < n; ++j) lanes[0] = x[j] > lanes[0] ? x[j] : lanes[0];
  T top = lanes[0];
  for (int k = 1; k < kReductionLanes; ++k) top = lanes[k] > top ? lanes[k] : top;
  return top;
}

/// sum_j x[j] in T: lane k adds every 16th element, then the tail and the lanes are added in order.
template <class T>
T lane_row_sum(const T* x, std::int64_t n) {
  T lanes[kReductionLanes] = {};
  std::int64_t j = 0;
  for (; j + kReductionLanes <= n; j += kReductionLanes)
#pragma omp simd
    for (int k = 0; k < kReductionLanes; ++k) lanes[k] += x[j + k];
  T sum = 0;
  for (; j < n; ++j) sum += x[j];
  for (int k = 0; k < kReductionLanes; ++k) sum += lanes[k];
  return sum;
}

}  // namespace tg::kernels
