// The chain of bench_overhead (x = x + b, requires_grad, n×n tensors) as a small driver for two uses:
//   - timing on a shared machine: per phase, the median of wall time and of this thread's CPU time
//     (CPU time is less disturbed by other processes than wall time, though not immune);
//   - callgrind: with --collect-atstart=no, only the chosen phase is collected, so the instruction
//     count divided by the chain length is the instruction count per op.
// Built by hand against a build tree; see bench/notes/overhead.md for the commands.
//   overhead_chain <n> [--chain L] [--reps R] [--collect forward|backward|no_grad]
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

struct Times {
  double wall = 0;
  double cpu = 0;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(thread_cpu_seconds()) {}
  Times elapsed() const {
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count(),
            thread_cpu_seconds() - cpu_};
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// Collects callgrind counts for the phase named `phase` only (a no-op outside valgrind).
class Collect {
 public:
  Collect(const std::string& wanted, const char* phase) : on_(wanted == phase) {
    if (on_) CALLGRIND_TOGGLE_COLLECT;
  }
  ~Collect() {
    if (on_) CALLGRIND_TOGGLE_COLLECT;
  }

 private:
  bool on_;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: overhead_chain <n> [--chain L] [--reps R] [--collect forward|backward|no_grad]\n");
    return 2;
  }
  const std::int64_t n = std::atoll(argv[1]);
  int chain = 10000, reps = 21;
  std::string collect;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--chain") chain = std::atoi(argv[i + 1]);
    if (flag == "--reps") reps = std::atoi(argv[i + 1]);
    if (flag == "--collect") collect = argv[i + 1];
  }
  tg::set_num_threads(1);
  std::vector<double> fwd_wall, fwd_cpu, bwd_wall, bwd_cpu, ng_wall, ng_cpu;
  tg::Tensor b = tg::ones({n, n}, tg::requires_grad());
  tg::Tensor b_plain = tg::ones({n, n});
  for (int rep = 0; rep < reps; ++rep) {
    tg::Tensor x = tg::zeros({n, n}, tg::requires_grad());
    tg::Tensor y = x;
    Times t;
    {
      Collect c(collect, "forward");
      Stopwatch watch;
      for (int i = 0; i < chain; ++i) y = y + b;
      t = watch.elapsed();
    }
    fwd_wall.push_back(t.wall), fwd_cpu.push_back(t.cpu);
    {
      Collect c(collect, "backward");
      Stopwatch watch;
      tg::Tensor total = y.sum();
      y = tg::Tensor();
      total.backward();
      total = tg::Tensor();
      t = watch.elapsed();
    }
    bwd_wall.push_back(t.wall), bwd_cpu.push_back(t.cpu);
    b.mutable_grad() = tg::Tensor();
    {
      tg::NoGradGuard no_grad;
      tg::Tensor z = tg::zeros({n, n});
      Collect c(collect, "no_grad");
      Stopwatch watch;
      for (int i = 0; i < chain; ++i) z = z + b_plain;
      t = watch.elapsed();
    }
    ng_wall.push_back(t.wall), ng_cpu.push_back(t.cpu);
  }
  const double us = 1e6 / chain;
  std::printf("n=%lld chain=%d reps=%d  us/op (median)  wall / thread-cpu\n", static_cast<long long>(n),
              chain, reps);
  std::printf("  forward   %.3f / %.3f\n", median(fwd_wall) * us, median(fwd_cpu) * us);
  std::printf("  backward  %.3f / %.3f\n", median(bwd_wall) * us, median(bwd_cpu) * us);
  std::printf("  no_grad   %.3f / %.3f\n", median(ng_wall) * us, median(ng_cpu) * us);
  return 0;
}
