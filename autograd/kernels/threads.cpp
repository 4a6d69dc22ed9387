#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg {
namespace {
std::atomic<int> configured_threads{0};  // 0: not set, use default_thread_count()

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trimmed(text);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> whole_cpus(std::int64_t quota, std::int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  const std::int64_t cpus = (quota + period - 1) / period;
  return static_cast<int>(std::min<std::int64_t>(cpus, 1 << 20));
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string_view> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

std::optional<int> tighter(std::optional<int> a, std::optional<int> b) {
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

// The quota of `directory` (a cgroup under `mount`) and every ancestor up to the mount; `read_quota`
// reads one directory's.
template <class ReadQuota>
std::optional<int> quota_up_the_tree(const std::string& mount, std::string path, ReadQuota read_quota) {
  std::optional<int> quota;
  while (true) {
    quota = tighter(quota, read_quota(mount + path));
    if (path.empty() || path == "/") break;
    const auto slash = path.find_last_of('/');
    path = slash == std::string::npos ? std::string() : path.substr(0, slash);
  }
  return quota;
}
}  // namespace

void set_num_threads(int threads) {
  check(threads >= 1, "set_num_threads", "thread count must be at least 1, got ", threads);
  configured_threads.store(threads, std::memory_order_relaxed);
  kernels::set_gemm_threads(threads);
}

int get_num_threads() { return kernels::num_threads(); }

namespace kernels {

int num_threads() {
  const int threads = configured_threads.load(std::memory_order_relaxed);
  return threads > 0 ? threads : default_thread_count();
}

std::optional<int> parse_thread_count(std::string_view text) {
  const auto value = parse_integer(text.substr(0, text.find(',')));
  if (!value || *value < 1) return std::nullopt;
  return static_cast<int>(std::min<std::int64_t>(*value, 1 << 20));
}

std::optional<int> parse_cpu_max(std::string_view cpu_max) {
  cpu_max = trimmed(cpu_max);
  const auto space = cpu_max.find(' ');
  const std::string_view quota = cpu_max.substr(0, space);
  if (trimmed(quota) == "max") return std::nullopt;
  // The period is optional in what the kernel accepts; it prints it always (default 100000).
  const std::optional<std::int64_t> period = space == std::string_view::npos
                                                 ? std::optional<std::int64_t>(100000)
                                                 : parse_integer(cpu_max.substr(space));
  const std::optional<std::int64_t> quota_us = parse_integer(quota);
  if (!quota_us || !period) return std::nullopt;
  return whole_cpus(*quota_us, *period);
}

std::optional<int> parse_cfs_quota(std::string_view quota_us, std::string_view period_us) {
  const auto quota = parse_integer(quota_us), period = parse_integer(period_us);
  if (!quota || !period) return std::nullopt;
  return whole_cpus(*quota, *period);
}

std::optional<std::string_view> cgroup_path(std::string_view text, bool v2) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    // hierarchy-id:controller-list:path (the path may itself hold colons)
    const auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    const auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first),
                           controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (v2) {
      if (id == "0" && controllers.empty()) return path;
      continue;
    }
    for (std::string_view rest = controllers; !rest.empty();) {
      const auto comma = rest.find(',');
      if (rest.substr(0, comma) == "cpu") return path;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return std::nullopt;
}

int affinity_cpu_count() {
  // Masks grow with the machine: retry with a larger set while the kernel says ours is too small.
  for (int cpus = 1024; cpus <= (1 << 20); cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (set == nullptr) return 1;
    const std::size_t bytes = CPU_ALLOC_SIZE(cpus);
    const int status = sched_getaffinity(0, bytes, set);
    const int count = status == 0 ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (status == 0) return std::max(count, 1);
    if (errno != EINVAL) return 1;
  }
  return 1;
}

std::optional<int> cgroup_cpu_quota() {
  const std::string cgroups = read_text("/proc/self/cgroup").value_or("");
  if (const auto path = cgroup_path(cgroups, true)) {
    const auto quota = quota_up_the_tree("/sys/fs/cgroup", std::string(*path), [](const std::string& dir) {
      const auto text = read_text(dir + "/cpu.max");
      return text ? parse_cpu_max(*text) : std::nullopt;
    });
    if (quota) return quota;
  }
  const std::string path(cgroup_path(cgroups, false).value_or("/"));
  for (const char* mount :
       {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"}) {
    const auto quota = quota_up_the_tree(mount, path, [](const std::string& dir) {
      const auto quota_us = read_text(dir + "/cpu.cfs_quota_us"),
                 period_us = read_text(dir + "/cpu.cfs_period_us");
      return quota_us && period_us ? parse_cfs_quota(*quota_us, *period_us) : std::nullopt;
    });
    if (quota) return quota;
  }
  return std::nullopt;
}

int choose_default_threads(const ThreadEnvironment& environment) {
  if (environment.tg_num_threads)
    if (const auto threads = parse_thread_count(*environment.tg_num_threads)) return *threads;
  if (environment.omp_num_threads)
    if (const auto threads = parse_thread_count(*environment.omp_num_threads)) return *threads;
  const int cpus = std::max(environment.affinity_cpus, 1);
  return environment.cpu_quota ? std::clamp(*environment.cpu_quota, 1, cpus) : cpus;
}

int default_thread_count() {
  static const int threads =
      choose_default_threads({environment("TG_NUM_THREADS"), environment("OMP_NUM_THREADS"),
                              affinity_cpu_count(), cgroup_cpu_quota()});
  return threads;
}

}  // namespace kernels
}  // namespace tg
