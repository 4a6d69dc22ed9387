#pragma once
// parallel_for: a loop split over the thread pool (thread_pool.hpp) only when asked to, each part compiled
// for the active instruction-set level (isa_loop.hpp). Included only by .cpp files of the library.
#include <cstdint>

#include <tapegrad/autograd/kernels/isa_loop.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>

namespace tg::kernels {

/// Runs body(i) for every i in [0, n): in contiguous chunks over the pool's threads when `parallel`, else
/// as one loop (also when the pool cannot help: one thread, inside a chunk).
template <class Body>
void parallel_for(std::int64_t n, bool parallel, const Body& body) {
  const std::int64_t chunks = parallel ? chunk_count(n, 1) : 1;
  if (chunks <= 1) return isa_for(0, n, body);
  parallel_ranges(n, chunks, [&](std::int64_t begin, std::int64_t end) { isa_for(begin, end, body); });
}

}  // namespace tg::kernels
