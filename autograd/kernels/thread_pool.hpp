#pragma once
// The library's own thread pool: every parallel kernel and large GEMM runs through it (no OpenMP regions).
//
// Note [thread pool wait policy]
// On a machine whose cores are busy with other processes, a team that waits for all its threads (an
// OpenMP region, BLIS's internal barriers) waits a whole scheduler time slice (milliseconds) whenever one
// team thread is descheduled, and OpenMP's spinning after each region takes the core from the others.
// So here:
// - The caller splits the work into chunks with fixed boundaries, publishes them, and claims chunks
//   itself with atomic counters, like every worker. It waits only for chunks that another thread has
//   already claimed (and is running); a worker that wakes late finds nothing left and sleeps again.
// - Each team thread has a home range of contiguous chunks (the caller the first) and claims there first,
//   then whatever is left in the other ranges. Consecutive calls over same-sized data thus give each
//   thread the same part of it, which stays in that core's cache: on these VMs a core reads data the
//   other core just wrote at 7-17 GB/s against ~58 from its own cache (bench/notes/contention.md), and
//   step (b) at 2 threads went from ~6.9 to ~6.4 ms. A descheduled thread's range is still taken over.
// - A worker that runs out of work spins for a short while (~20 µs, TG_POOL_SPIN_US: a training loop's next
//   parallel call usually comes sooner), then sleeps on a futex (std::atomic::wait) until the next job.
// - Calls from inside a chunk run serially (no nesting, no deadlock); when several user threads call at
//   once, one of them has the pool and the others run their chunks serially on their own thread.
// - An exception thrown by a chunk is caught on the thread that ran it; the remaining chunks are skipped
//   and the caller rethrows the first exception once every claimed chunk has finished.
// - Chunk c is always the same piece of work whichever thread runs it, so a reduction that combines its
//   per-chunk partials in chunk order gives the same bits with any thread count and any timing.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg::kernels {

/// A type-erased reference to a chunk body (no allocation per call).
struct ChunkTask {
  void (*run)(const void* body, std::int64_t chunk);
  const void* body;
};

/// Runs task(c) once for every c in [0, chunks), spread over up to num_threads() threads (the caller
/// included); returns when all are done. Serial when there is one chunk or one thread, inside a chunk, or
/// while another thread uses the pool. Rethrows the first exception a chunk threw.
void run_chunks(std::int64_t chunks, ChunkTask task);

/// Chunks handed out per thread of the team: more chunks let the caller take over more of the work of a
/// worker that the scheduler did not run.
inline constexpr std::int64_t kChunksPerThread = 4;

/// Workers currently started (for tests and benchmarks).
int pool_worker_count();

/// body(c) for c in [0, chunks) (see run_chunks).
template <class Body>
void parallel_chunks(std::int64_t chunks, Body&& body) {
  using Plain = std::remove_reference_t<Body>;
  run_chunks(chunks, ChunkTask{[](const void* erased, std::int64_t chunk) {
                                 (*static_cast<Plain*>(const_cast<void*>(erased)))(chunk);
                               },
                               static_cast<const void*>(&body)});
}

/// The first index of chunk `chunk` when [0, n) is split into `chunks` contiguous near-equal ranges.
inline std::int64_t chunk_begin(std::int64_t n, std::int64_t chunks, std::int64_t chunk) {
  return static_cast<std::int64_t>(static_cast<__int128>(n) * chunk / chunks);
}

/// How many chunks to split `n` items into, each at least `min_per_chunk` items, for the current team.
inline std::int64_t chunk_count(std::int64_t n, std::int64_t min_per_chunk) {
  const std::int64_t most = n / std::max<std::int64_t>(min_per_chunk, 1);
  return std::clamp<std::int64_t>(most, 1, num_threads() * kChunksPerThread);
}

/// body(begin, end) over `chunks` contiguous ranges of [0, n).
template <class Body>
void parallel_ranges(std::int64_t n, std::int64_t chunks, Body&& body) {
  if (chunks <= 1) {
    if (n > 0) body(std::int64_t{0}, n);
    return;
  }
  parallel_chunks(chunks, [&](std::int64_t chunk) {
    body(chunk_begin(n, chunks, chunk), chunk_begin(n, chunks, chunk + 1));
  });
}

}  // namespace tg::kernels
