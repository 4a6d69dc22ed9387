#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <tapegrad/autograd/kernels/thread_pool.hpp>

namespace tg::kernels {
namespace {

// See Note [thread pool wait policy] (thread_pool.hpp). Measurements: bench/notes/contention.md.
// TG_POOL_SPIN_US overrides it, for measurements.
constexpr int kWorkerSpinMicroseconds = 20;

std::chrono::microseconds worker_spin() {
  static const std::chrono::microseconds spin = [] {
    const char* value = std::getenv("TG_POOL_SPIN_US");
    return std::chrono::microseconds(value != nullptr ? std::atoi(value) : kWorkerSpinMicroseconds);
  }();
  return spin;
}
// The caller waits for chunks that are running: they usually end within microseconds.
constexpr int kCallerSpinRounds = 2000;

thread_local bool inside_chunk = false;

void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// One job slot, reused: a late worker only ever touches this process-lifetime object, never a caller's
// stack. The chunks are split into one contiguous home range per team thread (the caller's is range 0,
// worker i's is range i + 1). Each thread first claims the chunks of its own range, then those left in
// the others' (Note [thread pool wait policy]). Each range's `claim` word packs the job's generation (high
// 32 bits) with the next unclaimed chunk (low 32 bits), so a worker that read an old job's word cannot
// claim in a newer job (its compare-exchange fails).
class Pool {
 public:
  void run(std::int64_t chunks, ChunkTask task, int threads) {
    ensure_workers(threads - 1);
    // Publish the job: everything below is read by a worker only after a claim (acquire) succeeds, which
    // follows the release stores of the `claim` words.
    task_run_.store(task.run, std::memory_order_relaxed);
    task_body_.store(task.body, std::memory_order_relaxed);
    chunk_count_.store(static_cast<std::uint32_t>(chunks), std::memory_order_relaxed);
    helpers_.store(threads - 1, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    failed_.store(false, std::memory_order_relaxed);
    error_ = nullptr;
    generation_ = (generation_ + 1) & 0xffffffffu;
    ranges_ = std::min(threads, kMaxRanges);
    // Ranges past ranges_ keep an earlier job's words; every range is used up when its job ends.
    for (int range = 0; range < ranges_; ++range) {
      Range& home = ranges_of_[range];
      home.begin.store(static_cast<std::uint32_t>(chunk_begin(chunks, ranges_, range)),
                       std::memory_order_relaxed);
      home.end.store(static_cast<std::uint32_t>(chunk_begin(chunks, ranges_, range + 1)),
                     std::memory_order_relaxed);
      home.claim.store(generation_ << 32, std::memory_order_release);
    }
    ranges_used_.store(ranges_, std::memory_order_release);
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();  // no system call when no worker sleeps

    work(0);
    wait_for_claimed_chunks(static_cast<std::uint32_t>(chunks));
    if (failed_.load(std::memory_order_acquire)) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  bool try_acquire() { return !in_use_.exchange(true, std::memory_order_acquire); }
  void release() { in_use_.store(false, std::memory_order_release); }
  int worker_count() const { return started_.load(std::memory_order_relaxed); }

 private:
  // Claims and runs chunks of the current job until none is left: the thread's own range first, so that
  // consecutive jobs over the same data keep each part of it in one core's cache, then the others'.
  void work(int thread) {
    const int ranges = ranges_used_.load(std::memory_order_acquire);
    const int own = thread % std::max(ranges, 1);
    for (int step = 0; step < ranges; ++step) drain((own + step) % ranges);
  }

  void drain(int range) {
    Range& home = ranges_of_[range];
    while (true) {
      std::uint64_t word = home.claim.load(std::memory_order_acquire);
      // Read after `word`'s generation was published; if the job has changed since, the claim fails.
      const std::uint32_t begin = home.begin.load(std::memory_order_relaxed);
      const std::uint32_t end = home.end.load(std::memory_order_relaxed);
      const std::uint32_t count = chunk_count_.load(std::memory_order_relaxed);
      const std::uint32_t chunk = begin + static_cast<std::uint32_t>(word & 0xffffffffu);
      if (chunk >= end) return;
      if (!home.claim.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel,
                                            std::memory_order_relaxed))
        continue;
      run_chunk(chunk, count);
    }
  }

  void run_chunk(std::int64_t chunk, std::uint32_t count) {
    if (!failed_.load(std::memory_order_relaxed)) {
      const bool was_inside = std::exchange(inside_chunk, true);
      try {
        task_run_.load(std::memory_order_relaxed)(task_body_.load(std::memory_order_relaxed), chunk);
      } catch (...) {
        if (!failed_.exchange(true, std::memory_order_relaxed)) error_ = std::current_exception();
      }
      inside_chunk = was_inside;
    }
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) done_.notify_all();
  }

  void wait_for_claimed_chunks(std::uint32_t count) {
    for (int round = 0; round < kCallerSpinRounds; ++round) {
      if (done_.load(std::memory_order_acquire) == count) return;
      relax();
    }
    for (std::uint32_t seen; (seen = done_.load(std::memory_order_acquire)) != count;)
      done_.wait(seen, std::memory_order_acquire);
  }

  void worker_main(int index) {
    inside_chunk = true;  // a parallel call from a worker's chunk runs serially there
    std::uint32_t seen = epoch_.load(std::memory_order_acquire);
    while (true) {
      if (index < helpers_.load(std::memory_order_relaxed)) work(index + 1);
      seen = wait_for_next_job(seen);
    }
  }

  std::uint32_t wait_for_next_job(std::uint32_t seen) {
    const auto until = std::chrono::steady_clock::now() + worker_spin();
    while (true) {
      for (int i = 0; i < 64; ++i) {
        const std::uint32_t now = epoch_.load(std::memory_order_acquire);
        if (now != seen) return now;
        relax();
      }
      if (std::chrono::steady_clock::now() >= until) break;
    }
    epoch_.wait(seen, std::memory_order_acquire);
    return epoch_.load(std::memory_order_acquire);
  }

  void ensure_workers(int wanted) {
    // Only the thread holding the pool gets here, so `started_` has one writer.
    for (int index = started_.load(std::memory_order_relaxed); index < wanted; ++index) {
      std::thread([this, index] { worker_main(index); }).detach();
      started_.store(index + 1, std::memory_order_relaxed);
    }
  }

  // Home ranges beyond this many threads are shared (thread t works from range t % kMaxRanges first).
  static constexpr int kMaxRanges = 64;
  struct alignas(64) Range {
    std::atomic<std::uint64_t> claim{0};
    std::atomic<std::uint32_t> begin{0};
    std::atomic<std::uint32_t> end{0};
  };

  std::atomic<bool> in_use_{false};
  Range ranges_of_[kMaxRanges];
  std::atomic<int> ranges_used_{0};
  int ranges_ = 0;  // written only by the thread holding the pool
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> done_{0};
  std::atomic<std::uint32_t> chunk_count_{0};
  std::atomic<int> helpers_{0};
  std::atomic<int> started_{0};
  std::atomic<void (*)(const void*, std::int64_t)> task_run_{nullptr};
  std::atomic<const void*> task_body_{nullptr};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;      // written by the thread that set failed_, before its done_ increment
  std::uint64_t generation_ = 0;  // written only by the thread holding the pool
};

// Never destroyed: detached workers may still sleep on it while the process exits.
Pool& pool() {
  static Pool* instance = new Pool;
  return *instance;
}

void run_serially(std::int64_t chunks, ChunkTask task) {
  for (std::int64_t chunk = 0; chunk < chunks; ++chunk) task.run(task.body, chunk);
}

}  // namespace

void run_chunks(std::int64_t chunks, ChunkTask task) {
  if (chunks <= 0) return;
  const int threads = chunks > 1 && !inside_chunk ? num_threads() : 1;
  if (threads <= 1) return run_serially(chunks, task);
  // The chunk index shares a 64-bit word with the generation; a job never needs more chunks than this.
  if (chunks >= (std::int64_t{1} << 31)) return run_serially(chunks, task);
  Pool& shared = pool();
  if (!shared.try_acquire()) return run_serially(chunks, task);  // another user thread has it
  struct Release {
    Pool& pool;
    ~Release() { pool.release(); }
  } release{shared};
  shared.run(chunks, task, std::min<std::int64_t>(threads, chunks));
}

int pool_worker_count() { return pool().worker_count(); }

}  // namespace tg::kernels
