#pragma once
// The kernels' side of tg::set_num_threads (autograd/parallel.hpp, the public half).
#include <cstdint>

#include <tapegrad/autograd/parallel.hpp>

namespace tg {

namespace kernels {
/// The thread count tg::set_num_threads set (else OpenMP's default) for every parallel region, given
/// to each as an explicit num_threads clause: omp_set_num_threads alone only reaches the thread that
/// calls it, and a training loop may run on another.
int num_threads();
/// Below this many elements a kernel runs serially: starting threads costs more than it saves.
inline constexpr std::int64_t kParallelThreshold = 32768;
}  // namespace kernels

}  // namespace tg
