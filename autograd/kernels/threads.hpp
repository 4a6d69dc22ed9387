#pragma once
// The kernels' side of tg::set_num_threads (autograd/parallel.hpp, the public half), and how the default
// thread count is found (README "Threads").
#include <cstdint>
#include <optional>
#include <string_view>

#include <tapegrad/autograd/parallel.hpp>

namespace tg {

namespace kernels {
/// The thread count tg::set_num_threads set, else default_thread_count(): the size of the thread pool's
/// team (thread_pool.hpp) for every parallel kernel and GEMM, on whichever thread calls them.
int num_threads();
/// Below this many elements a kernel runs serially: handing work to another thread costs more than it saves.
inline constexpr std::int64_t kParallelThreshold = 32768;

/// What the default thread count is chosen from (read from the process's environment by
/// default_thread_count(); a plain struct so that the choice can be tested without touching it).
struct ThreadEnvironment {
  std::optional<std::string_view> tg_num_threads;   // TG_NUM_THREADS
  std::optional<std::string_view> omp_num_threads;  // OMP_NUM_THREADS
  int affinity_cpus = 1;                            // CPUs in the sched_getaffinity mask
  std::optional<int> cpu_quota;                     // whole CPUs the cgroup quota allows
};

/// TG_NUM_THREADS, else OMP_NUM_THREADS (its first entry), else min(affinity CPUs, cgroup quota); at least 1.
/// A variable that is not a positive count is ignored.
int choose_default_threads(const ThreadEnvironment& environment);
/// The default thread count of this process (computed once).
int default_thread_count();

/// A positive thread count from an environment value ("4", " 4 ", "4,2" as OMP_NUM_THREADS nests), else none.
std::optional<int> parse_thread_count(std::string_view text);
/// cgroup v2 cpu.max ("quota period", quota "max" for none) as whole CPUs, rounded up; none when unlimited.
std::optional<int> parse_cpu_max(std::string_view cpu_max);
/// cgroup v1 cpu.cfs_quota_us (-1 for none) and cpu.cfs_period_us as whole CPUs, rounded up.
std::optional<int> parse_cfs_quota(std::string_view quota_us, std::string_view period_us);
/// The cgroup path of the CPU controller in /proc/self/cgroup's text: v2 ("0::/path") when `v2`, else the
/// v1 line whose controller list holds "cpu".
std::optional<std::string_view> cgroup_path(std::string_view proc_self_cgroup, bool v2);
/// CPUs this process may run on (sched_getaffinity), at least 1.
int affinity_cpu_count();
/// The tightest CPU quota over this process's cgroup and its ancestors (v2, else v1), if any.
std::optional<int> cgroup_cpu_quota();
}  // namespace kernels

}  // namespace tg
