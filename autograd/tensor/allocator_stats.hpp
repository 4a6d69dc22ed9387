#pragma once
// What users see of the caching allocator behind every owned Storage (the allocator itself is internal:
// autograd/tensor/allocator.hpp).
#include <cstddef>
#include <cstdint>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Counters of one allocator. Byte counts are in block sizes (a request is rounded up to its size class).
struct AllocatorStats {
  bool caching = true;  ///< false when the allocator passes everything to the system (TG_ALLOCATOR=system)
  std::size_t bytes_in_use = 0;        ///< blocks handed out and not yet freed
  std::size_t peak_bytes_in_use = 0;   ///< maximum of bytes_in_use since creation or reset_peak_stats()
  std::size_t bytes_cached = 0;        ///< free blocks kept for reuse
  std::size_t cache_limit = 0;         ///< bytes_cached never exceeds this
  std::uint64_t allocations = 0;       ///< allocate() calls
  std::uint64_t cache_hits = 0;        ///< allocate() calls served from the cache
  std::uint64_t os_allocations = 0;    ///< blocks obtained from the system (malloc or mmap)
  std::uint64_t os_releases = 0;       ///< blocks given back to the system
  std::uint64_t huge_page_blocks = 0;  ///< of os_allocations, blocks mapped 2 MiB-aligned with MADV_HUGEPAGE
};

/// Statistics of default_allocator().
AllocatorStats allocator_stats();
/// Gives every block cached by default_allocator() back to the system (as torch.cuda.empty_cache()).
void empty_cache();

}  // namespace tg

#pragma GCC visibility pop
