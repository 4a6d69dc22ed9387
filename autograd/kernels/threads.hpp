#pragma once
// One thread count for OpenMP element-wise kernels and BLIS GEMMs, so they never oversubscribe.
#include <cstdint>

namespace tg {

/// Sets the number of threads used by element-wise kernels (OpenMP) and GEMMs (BLIS).
void set_num_threads(int threads);
int get_num_threads();

namespace kernels {
/// The thread count tg::set_num_threads set (else OpenMP's default) for every parallel region, given
/// to each as an explicit num_threads clause: omp_set_num_threads alone only reaches the thread that
/// calls it, and a training loop may run on another.
int num_threads();
/// Below this many elements a kernel runs serially: starting threads costs more than it saves.
inline constexpr std::int64_t kParallelThreshold = 32768;
}  // namespace kernels

}  // namespace tg
