#pragma once
// tg::cuda: libtorch's torch::cuda queries, answered for a CPU-only library, so code that picks its device
// with `tg::cuda::is_available() ? tg::kCUDA : tg::kCPU` runs unchanged.
#include <cstddef>
#include <cstdint>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::cuda {

/// Always 0: tapegrad has no GPU backend.
inline std::size_t device_count() { return 0; }
/// Always false.
inline bool is_available() { return false; }
/// Always false.
inline bool cudnn_is_available() { return false; }
/// No-ops, as in a libtorch without GPUs: there is no CUDA generator to seed.
inline void manual_seed(std::uint64_t /*seed*/) {}
inline void manual_seed_all(std::uint64_t /*seed*/) {}
/// Throws tg::Error, as libtorch does when no GPU is available.
void synchronize(std::int64_t device_index = -1);

}  // namespace tg::cuda

#pragma GCC visibility pop
