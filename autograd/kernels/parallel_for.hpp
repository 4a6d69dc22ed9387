#pragma once
// parallel_for: a loop split over the thread pool (thread_pool.hpp) only when asked to.
#include <cstdint>

#include <tapegrad/autograd/kernels/thread_pool.hpp>

namespace tg::kernels {

/// Runs body(i) for every i in [0, n): in contiguous chunks over the pool's threads when `parallel`, else
/// as a plain loop (also when the pool cannot help: one thread, inside a chunk).
template <class Body>
void parallel_for(std::int64_t n, bool parallel, Body&& body) {
  const std::int64_t chunks = parallel ? chunk_count(n, 1) : 1;
  parallel_ranges(n, chunks, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace tg::kernels
