#pragma once
// The process-wide thread count (as ATen/Parallel.h): one count for OpenMP element-wise kernels and BLIS
// GEMMs, so they never oversubscribe.

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Sets the number of threads used by element-wise kernels (OpenMP) and GEMMs (BLIS).
void set_num_threads(int threads);
int get_num_threads();

}  // namespace tg

#pragma GCC visibility pop
