// The thread pool (autograd/kernels/thread_pool.hpp, Note [thread pool wait policy]) and how the default
// thread count is chosen (autograd/kernels/threads.hpp).
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>
#include <vector>

#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg::kernels {
namespace {

// Sets the process's thread count for one test and restores it.
class WithThreads {
 public:
  explicit WithThreads(int threads) : before_(tg::get_num_threads()) { tg::set_num_threads(threads); }
  ~WithThreads() { tg::set_num_threads(before_); }

 private:
  int before_;
};

std::vector<int> visit_counts(std::int64_t chunks) {
  std::vector<std::atomic<int>> counts(static_cast<std::size_t>(chunks));
  parallel_chunks(chunks, [&](std::int64_t chunk) {
    counts[static_cast<std::size_t>(chunk)].fetch_add(1, std::memory_order_relaxed);
  });
  std::vector<int> result;
  for (const auto& count : counts) result.push_back(count.load());
  return result;
}

TEST(ThreadPool, RunsEveryChunkExactlyOnce) {
  for (const int threads : {1, 2, 3, 5}) {
    WithThreads with(threads);
    for (const std::int64_t chunks : {0, 1, 2, 3, 7, 64, 1000}) {
      for (int repeat = 0; repeat < 20; ++repeat)
        ASSERT_EQ(visit_counts(chunks), std::vector<int>(static_cast<std::size_t>(chunks), 1))
            << threads << " threads, " << chunks << " chunks";
    }
  }
}

TEST(ThreadPool, RangesCoverEveryIndexOnceInContiguousPieces) {
  WithThreads with(3);
  for (const std::int64_t n : {1, 5, 12, 1001}) {
    for (const std::int64_t chunks : {1, 2, 5, 12}) {
      std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
      parallel_ranges(n, std::min(chunks, n), [&](std::int64_t begin, std::int64_t end) {
        EXPECT_LT(begin, end);
        for (std::int64_t i = begin; i < end; ++i) seen[static_cast<std::size_t>(i)].fetch_add(1);
      });
      for (const auto& count : seen) EXPECT_EQ(count.load(), 1) << n << " items, " << chunks << " chunks";
    }
  }
}

// A worker stuck inside a chunk does not hold the caller up: the caller runs every other chunk itself and
// waits only for the one the worker claimed. (If no worker shows up at all, the caller runs everything.)
TEST(ThreadPool, CallerRunsTheRestWhileAWorkerIsStuck) {
  WithThreads with(2);
  constexpr std::int64_t kChunks = 200;
  const auto caller = std::this_thread::get_id();
  std::atomic<int> by_caller{0}, by_workers{0};
  std::atomic<bool> caller_finished_the_rest{false};
  parallel_chunks(kChunks, [&](std::int64_t) {
    if (std::this_thread::get_id() == caller) {
      by_caller.fetch_add(1);
      return;
    }
    if (by_workers.fetch_add(1) == 0) {  // the first chunk a worker gets: block until the caller is done
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (by_caller.load() < kChunks - 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      caller_finished_the_rest = by_caller.load() == kChunks - 1;
    }
  });
  EXPECT_EQ(by_caller.load() + by_workers.load(), kChunks);
  if (by_workers.load() > 0) {
    EXPECT_EQ(by_workers.load(), 1);
    EXPECT_TRUE(caller_finished_the_rest.load());
  }
}

// Each team thread starts in its own contiguous range of chunks (the caller in the first), so that
// consecutive calls over the same data keep each part of it on one core. Timing decides who runs what
// in any one call (a late or descheduled thread's range is taken over), so this counts over many calls:
// a worker that joins a call starts at the second range's first chunk (without home ranges it would take
// the next unclaimed one, chunk 1 or 2).
TEST(ThreadPool, TheCallerStartsInTheFirstRangeAndAWorkerInTheSecond) {
  WithThreads with(2);
  constexpr int kCalls = 200;
  constexpr std::int64_t kChunks = 8;
  const auto caller = std::this_thread::get_id();
  int first_by_caller = 0, worker_joined = 0, worker_started_in_its_range = 0;
  for (int call = 0; call < kCalls; ++call) {
    std::atomic<bool> first_on_caller{false};
    std::atomic<std::int64_t> worker_first{-1};
    parallel_chunks(kChunks, [&](std::int64_t chunk) {
      if (std::this_thread::get_id() == caller) {
        if (chunk == 0) first_on_caller = true;
      } else {
        std::int64_t none = -1;
        worker_first.compare_exchange_strong(none, chunk);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));  // long enough for the worker to join
    });
    first_by_caller += first_on_caller.load();
    worker_joined += worker_first.load() >= 0;
    worker_started_in_its_range += worker_first.load() == kChunks / 2;
  }
  EXPECT_GE(first_by_caller, kCalls * 9 / 10);
  if (worker_joined >= 10) {
    EXPECT_GE(worker_started_in_its_range, worker_joined / 2) << worker_joined;
  }
}

// While one user thread has the pool (its chunks blocked), another user thread's parallel call still
// completes: it runs its chunks serially on its own thread.
TEST(ThreadPool, AnotherUserThreadRunsSeriallyWhileThePoolIsBusy) {
  WithThreads with(2);
  std::atomic<bool> second_done{false};
  std::atomic<bool> first_started{false};
  std::thread first([&] {
    parallel_chunks(2, [&](std::int64_t) {
      first_started = true;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!second_done.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    });
  });
  while (!first_started.load()) std::this_thread::yield();
  const auto second = std::this_thread::get_id();
  std::atomic<int> on_second{0};
  parallel_chunks(50, [&](std::int64_t) {
    if (std::this_thread::get_id() == second) on_second.fetch_add(1);
  });
  EXPECT_EQ(on_second.load(), 50);
  second_done = true;
  first.join();
}

TEST(ThreadPool, NestedCallsRunSeriallyInsideAChunk) {
  WithThreads with(3);
  std::vector<std::atomic<int>> counts(40 * 30);
  parallel_chunks(40, [&](std::int64_t outer) {
    const auto here = std::this_thread::get_id();
    parallel_chunks(30, [&](std::int64_t inner) {
      EXPECT_EQ(std::this_thread::get_id(), here);
      counts[static_cast<std::size_t>(outer * 30 + inner)].fetch_add(1);
    });
  });
  for (const auto& count : counts) EXPECT_EQ(count.load(), 1);
}

TEST(ThreadPool, ManyUserThreadsAtOnceGetCorrectResults) {
  WithThreads with(2);
  std::vector<std::thread> users;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    users.emplace_back([&] {
      for (int repeat = 0; repeat < 200; ++repeat)
        if (visit_counts(37) != std::vector<int>(37, 1)) wrong.fetch_add(1);
    });
  for (auto& user : users) user.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadPool, AChunksExceptionReachesTheCallerAndThePoolStaysUsable) {
  WithThreads with(2);
  for (int repeat = 0; repeat < 20; ++repeat) {
    try {
      parallel_chunks(64, [&](std::int64_t chunk) {
        if (chunk == 37) tg::check(false, "pool_test", "chunk ", chunk, " failed");
      });
      ADD_FAILURE() << "no exception";
    } catch (const tg::Error& error) {
      EXPECT_NE(std::string(error.what()).find("chunk 37 failed"), std::string::npos) << error.what();
    }
    EXPECT_EQ(visit_counts(64), std::vector<int>(64, 1));
  }
  EXPECT_THROW(parallel_chunks(1, [](std::int64_t) { throw std::runtime_error("serial"); }),
               std::runtime_error);
}

TEST(ThreadPool, WorkersMatchTheThreadCountLazily) {
  WithThreads with(3);
  visit_counts(16);
  EXPECT_GE(pool_worker_count(), 2);
}

// Chunk boundaries depend on the sizes only, so the sums' bits do not depend on the thread count.
TEST(ThreadPool, ChunkedSumsAreTheSameWithAnyThreadCount) {
  tg::manual_seed(7);
  const Tensor x = tg::randn({300, 517});  // above kParallelThreshold, in float32 to expose the order
  std::vector<float> total_1, columns_1, rows_1;
  for (const int threads : {1, 2, 3, 4}) {
    WithThreads with(threads);
    for (int repeat = 0; repeat < 5; ++repeat) {
      const auto total = x.sum().to_vector<float>();
      const auto columns = x.sum(0).to_vector<float>();
      const auto rows = x.sum(1).to_vector<float>();
      if (total_1.empty()) {
        total_1 = total;
        columns_1 = columns;
        rows_1 = rows;
        continue;
      }
      EXPECT_EQ(std::memcmp(total.data(), total_1.data(), sizeof(float)), 0) << threads << " threads";
      EXPECT_EQ(columns, columns_1) << threads << " threads";
      EXPECT_EQ(rows, rows_1) << threads << " threads";
    }
  }
}

// ---- the default thread count

TEST(ThreadCount, ParsesPositiveCounts) {
  EXPECT_EQ(parse_thread_count("4"), 4);
  EXPECT_EQ(parse_thread_count(" 3\n"), 3);
  EXPECT_EQ(parse_thread_count("6,2"), 6);  // OMP_NUM_THREADS's nested list: the outer level
  EXPECT_EQ(parse_thread_count("0"), std::nullopt);
  EXPECT_EQ(parse_thread_count("-2"), std::nullopt);
  EXPECT_EQ(parse_thread_count(""), std::nullopt);
  EXPECT_EQ(parse_thread_count("two"), std::nullopt);
  EXPECT_EQ(parse_thread_count("2x"), std::nullopt);
}

TEST(ThreadCount, ParsesCgroupV2CpuMax) {
  EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);
  EXPECT_EQ(parse_cpu_max("200000 100000\n"), 2);
  EXPECT_EQ(parse_cpu_max("150000 100000"), 2);  // 1.5 CPUs: round up
  EXPECT_EQ(parse_cpu_max("50000 100000"), 1);
  EXPECT_EQ(parse_cpu_max("400000"), 4);  // period omitted: the kernel's default 100000
  EXPECT_EQ(parse_cpu_max("garbage"), std::nullopt);
  EXPECT_EQ(parse_cpu_max(""), std::nullopt);
}

TEST(ThreadCount, ParsesCgroupV1CfsQuota) {
  EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("300000\n", "100000\n"), 3);
  EXPECT_EQ(parse_cfs_quota("250000", "100000"), 3);
  EXPECT_EQ(parse_cfs_quota("100000", "0"), std::nullopt);
  EXPECT_EQ(parse_cfs_quota("x", "100000"), std::nullopt);
}

TEST(ThreadCount, FindsTheCpuControllersCgroup) {
  const std::string v1 = "9:name=systemd:/\n4:memory:/a/b\n2:cpu,cpuacct:/docker/abc\n0::/\n";
  EXPECT_EQ(cgroup_path(v1, false), "/docker/abc");
  EXPECT_EQ(cgroup_path(v1, true), "/");
  EXPECT_EQ(cgroup_path("0::/user.slice/session-1.scope\n", true), "/user.slice/session-1.scope");
  EXPECT_EQ(cgroup_path("0::/user.slice\n", false), std::nullopt);
  EXPECT_EQ(cgroup_path("1:cpuacct:/x\n", false), std::nullopt);  // "cpuacct" is not "cpu"
  EXPECT_EQ(cgroup_path("", true), std::nullopt);
}

TEST(ThreadCount, EnvironmentThenAffinityCappedByQuota) {
  EXPECT_EQ(choose_default_threads({std::nullopt, std::nullopt, 8, std::nullopt}), 8);
  EXPECT_EQ(choose_default_threads({std::nullopt, std::nullopt, 8, 3}), 3);
  EXPECT_EQ(choose_default_threads({std::nullopt, std::nullopt, 2, 16}), 2);
  EXPECT_EQ(choose_default_threads({std::nullopt, "5", 2, 1}), 5);  // an explicit count wins
  EXPECT_EQ(choose_default_threads({"3", "5", 2, 1}), 3);           // TG_NUM_THREADS over OMP_NUM_THREADS
  EXPECT_EQ(choose_default_threads({"bad", "0", 4, std::nullopt}), 4);
  EXPECT_EQ(choose_default_threads({std::nullopt, std::nullopt, 0, std::nullopt}), 1);
}

TEST(ThreadCount, AffinityOfOneCpuCountsOne) {
  EXPECT_GE(affinity_cpu_count(), 1);
  int seen = 0;
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one) != 0) return;
    seen = affinity_cpu_count();  // sched_getaffinity(0) reads the calling thread's mask
  }).join();
  if (seen == 0) GTEST_SKIP() << "cannot restrict a thread's affinity here";
  EXPECT_EQ(seen, 1);
}

// In a fresh child process: the default is read once, at the first parallel call, and later work in a
// long test process may change the main thread's mask (clang builds link LLVM's libomp, which pins each
// thread that enters BLIS's OpenMP regions to one CPU).
TEST(ThreadCount, DefaultIsAtLeastOneAndWithinTheAffinityMask) {
  const char* tg = std::getenv("TG_NUM_THREADS");
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (tg != nullptr || omp != nullptr) GTEST_SKIP() << "a thread count was set in the environment";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const int threads = default_thread_count();
        const int cpus = affinity_cpu_count();
        std::fprintf(stderr, "%s\n", threads >= 1 && threads <= cpus ? "within" : "outside");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "within\n");
}

}  // namespace
}  // namespace tg::kernels
