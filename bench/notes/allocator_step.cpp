// One MLP training step (linear + relu, cross_entropy, backward, in-place SGD under NoGradGuard,
// gradients set to none), timed per step, with the minor page faults of each step (getrusage).
// Built by hand against a build tree; see bench/notes/allocator.md for the commands.
//   allocator_step <in> <hidden...> <out> --batch N [--steps S] [--warmup W] [--threads T]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

template <class T>
T median(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::int64_t> widths;
  std::int64_t batch = 256;
  int steps = 20, warmup = 3, threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--batch" && i + 1 < argc)
      batch = std::atoll(argv[++i]);
    else if (arg == "--steps" && i + 1 < argc)
      steps = std::atoi(argv[++i]);
    else if (arg == "--warmup" && i + 1 < argc)
      warmup = std::atoi(argv[++i]);
    else if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else
      widths.push_back(std::atoll(arg.c_str()));
  }
  if (widths.size() < 2) {
    std::fprintf(stderr,
                 "usage: %s <in> <hidden...> <out> --batch N [--steps S] [--warmup W] [--threads T]\n",
                 argv[0]);
    return 2;
  }
  tg::set_num_threads(threads);
  tg::manual_seed(0);
  std::vector<tg::Tensor> params;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(widths[l]));
    params.push_back((tg::randn({widths[l + 1], widths[l]}) * scale).detach().requires_grad_());
    params.push_back(tg::zeros({widths[l + 1]}, tg::requires_grad()));
  }
  const tg::Tensor x = tg::randn({batch, widths.front()});
  const tg::Tensor target = tg::randint(0, widths.back(), {batch});

  std::vector<double> ms;
  std::vector<long> faults;
  double loss_value = 0;
  for (int step = 0; step < warmup + steps; ++step) {
    const long faults_before = minor_faults();
    const auto start = std::chrono::steady_clock::now();
    {
      tg::Tensor h = x;
      for (std::size_t l = 0; l < params.size(); l += 2) {
        h = tg::linear(h, params[l], params[l + 1]);
        if (l + 2 < params.size()) h = tg::relu(h);
      }
      tg::Tensor loss = tg::cross_entropy(h, target);
      loss.backward();
      tg::NoGradGuard no_grad;
      for (const tg::Tensor& p : params) {
        p.sub_(p.grad(), 0.01);
        p.mutable_grad() = tg::Tensor();  // zero_grad(set_to_none=true), PyTorch's default
      }
      loss_value = loss.item<double>();
    }
    const double elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (step >= warmup) {
      ms.push_back(elapsed);
      faults.push_back(minor_faults() - faults_before);
    }
  }
  std::string shape;
  for (std::int64_t w : widths) shape += (shape.empty() ? "" : "-") + std::to_string(w);
  std::printf(
      "mlp %s batch %lld threads %d: median %.3f ms/step (min %.3f), minor faults/step median %ld max %ld, "
      "loss %.4f\n",
      shape.c_str(), static_cast<long long>(batch), threads, median(ms),
      *std::min_element(ms.begin(), ms.end()), median(faults),
      *std::max_element(faults.begin(), faults.end()), loss_value);
#ifndef ALLOCATOR_STEP_BASELINE  // the library before the caching allocator has no statistics
  const tg::AllocatorStats stats = tg::allocator_stats();
  std::printf(
      "allocator %s: os_allocations %llu (huge-page blocks %llu), cache_hits %llu of %llu, peak in use %.1f "
      "MiB, "
      "cached %.1f MiB\n",
      stats.caching ? "caching" : "system", static_cast<unsigned long long>(stats.os_allocations),
      static_cast<unsigned long long>(stats.huge_page_blocks),
      static_cast<unsigned long long>(stats.cache_hits), static_cast<unsigned long long>(stats.allocations),
      stats.peak_bytes_in_use / 1048576.0, stats.bytes_cached / 1048576.0);
#endif
  long rss_kib = 0;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  rss_kib = usage.ru_maxrss;
  // How much of the resident memory transparent huge pages back right now (the cached blocks included).
  long huge_kib = -1;
  if (std::FILE* smaps = std::fopen("/proc/self/smaps_rollup", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, smaps))
      if (std::sscanf(line, "AnonHugePages: %ld kB", &huge_kib) == 1) break;
    std::fclose(smaps);
  }
  std::printf("peak RSS %.1f MiB, AnonHugePages now %.1f MiB\n", rss_kib / 1024.0, huge_kib / 1024.0);
}
