#include <omp.h>

#include <atomic>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg {
namespace {
std::atomic<int> configured_threads{0};  // 0: not set, use OpenMP's default
}

void set_num_threads(int threads) {
  check(threads >= 1, "set_num_threads", "thread count must be at least 1, got ", threads);
  configured_threads.store(threads, std::memory_order_relaxed);
  omp_set_num_threads(threads);
  kernels::set_gemm_threads(threads);
}

int get_num_threads() { return kernels::num_threads(); }

int kernels::num_threads() {
  static const int default_threads = omp_get_max_threads();
  const int threads = configured_threads.load(std::memory_order_relaxed);
  return threads > 0 ? threads : default_threads;
}

}  // namespace tg
