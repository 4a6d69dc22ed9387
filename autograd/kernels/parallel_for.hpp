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

/// parallel_for without a copy of the body per instruction-set level: for branchy scalar bodies (sorting,
/// searching) that gain nothing from wider vectors, where the copies only multiply code size and build time
/// (sort.cpp: 2.6 MB of code and 166 s at -O3 with parallel_for, 0.13 MB and 4.5 s with this).
template <class Body>
void parallel_for_scalar(std::int64_t n, bool parallel, const Body& body) {
  const auto run = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) body(i);
  };
  const std::int64_t chunks = parallel ? chunk_count(n, 1) : 1;
  if (chunks <= 1) return run(0, n);
  parallel_ranges(n, chunks, run);
}

}  // namespace tg::kernels
