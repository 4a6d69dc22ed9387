#pragma once
// The host memory allocator behind every owned Storage: a caching allocator with size classes, so a
// training loop that frees and re-creates the same tensors every step reuses blocks instead of
// asking the kernel for fresh pages (and page-faulting on every first touch). See Note [Caching allocator].
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include <tapegrad/autograd/tensor/allocator_stats.hpp>

namespace tg {

/// Which allocator the process-wide default uses; chosen once from the environment variable TG_ALLOCATOR.
enum class AllocatorBackend { caching, system };

/// A thread-safe allocator of 64-byte aligned blocks. Storage uses the process-wide default_allocator();
/// tests and tools may create their own instances.
class Allocator {
 public:
  /// Requests of at least this many bytes are mapped directly from the kernel, 2 MiB aligned, with
  /// madvise(MADV_HUGEPAGE): first touch then costs ~0.25 µs per 4 KiB instead of 10-13 µs.
  static constexpr std::size_t kHugePageSize = std::size_t{2} << 20;
  static constexpr std::size_t kAlignment = 64;

  struct Options {
    bool caching = true;
    /// Cap on bytes_cached; a freed block that does not fit under it goes back to the system.
    /// 0 means the default: half of the physical memory.
    std::size_t cache_limit = 0;
    /// With caching, blocks of at least this size (after rounding to their class) are mapped with mmap,
    /// 2 MiB aligned, with huge pages; smaller ones come from posix_memalign. Without caching everything
    /// comes from posix_memalign, exactly the requested size, as a plain malloc-based program would do.
    std::size_t huge_page_threshold = kHugePageSize;
  };

  Allocator() : Allocator(Options{}) {}
  explicit Allocator(Options options);
  /// Releases the cached blocks. Blocks still in use are not tracked individually and are leaked.
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  /// A 64-byte aligned block of at least `nbytes` bytes (uninitialised). `nbytes == 0` gives a distinct
  /// valid pointer too. Throws std::bad_alloc when the system has no memory left, even after emptying the
  /// cache.
  void* allocate(std::size_t nbytes);
  /// Returns a block from allocate(); `nbytes` must be the size it was requested with.
  void deallocate(void* data, std::size_t nbytes);
  /// Gives every cached block back to the system.
  void empty_cache();
  void set_cache_limit(std::size_t bytes);
  void reset_peak_stats();
  AllocatorStats stats() const;

  /// The size class of a request: multiples of 64 up to 512 bytes, then 4 classes per power of two, and
  /// from huge_page_threshold on also a multiple of 2 MiB. Without caching, the request itself (at least 1).
  std::size_t block_size(std::size_t nbytes) const;

 private:
  bool is_mapped(std::size_t block_bytes) const;
  void* allocate_from_system(std::size_t block_bytes);
  void release_to_system(void* data, std::size_t block_bytes);

  Options options_;
  mutable std::mutex mutex_;
  // Free blocks per size class (see class_index), most recently freed last.
  std::vector<std::vector<void*>> free_lists_;
  AllocatorStats stats_;
};

/// The allocator owned Storage memory comes from. Its backend is read once from TG_ALLOCATOR:
/// "caching" or "system"; when unset it is caching, except under AddressSanitizer, where it is system
/// so ASan's quarantine still reports use-after-free and LeakSanitizer still sees leaked blocks.
Allocator& default_allocator();
AllocatorBackend allocator_backend();

}  // namespace tg
