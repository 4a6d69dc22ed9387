#pragma once
// parallel_for: a loop split over the OpenMP threads only when asked to, each part compiled for the active
// instruction-set level (isa_loop.hpp). Included only by .cpp files of the library (it uses OpenMP pragmas).
#include <omp.h>

#include <cstdint>

#include <tapegrad/autograd/kernels/isa_loop.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg::kernels {

/// Runs body(i) for every i in [0, n): split over the OpenMP threads in equal contiguous parts when
/// `parallel`, else as one loop. `#pragma omp parallel for if (false)` is not free: libgomp still builds a
/// one-thread team (a heap allocation and ~1,000 instructions), more than a whole element-wise op on a tiny
/// tensor costs.
template <class Body>
void parallel_for(std::int64_t n, bool parallel, const Body& body) {
  if (!parallel) return isa_for(0, n, body);
#pragma omp parallel num_threads(kernels::num_threads())
  {
    const std::int64_t team = omp_get_num_threads(), thread = omp_get_thread_num();
    isa_for(n * thread / team, n * (thread + 1) / team, body);
  }
}

}  // namespace tg::kernels
