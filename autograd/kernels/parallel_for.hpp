#pragma once
// parallel_for: an OpenMP loop that enters a parallel region only when asked to.
// Included only by .cpp files of the library (it uses OpenMP pragmas).
#include <cstdint>

#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg::kernels {

/// Runs body(i) for every i in [0, n): split over the OpenMP threads when `parallel`, else as a plain
/// loop. `#pragma omp parallel for if (false)` is not free: libgomp still builds a one-thread team (a
/// heap allocation and ~1,000 instructions), more than a whole element-wise op on a tiny tensor costs.
template <class Body>
void parallel_for(std::int64_t n, bool parallel, Body&& body) {
  if (parallel) {
#pragma omp parallel for num_threads(kernels::num_threads()) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (std::int64_t i = 0; i < n; ++i) body(i);
  }
}

}  // namespace tg::kernels
