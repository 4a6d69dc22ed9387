#include <omp.h>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg {

void set_num_threads(int threads) {
  check(threads >= 1, "set_num_threads", "thread count must be at least 1, got ", threads);
  omp_set_num_threads(threads);
  kernels::set_gemm_threads(threads);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace tg
