// Note [Caching allocator]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// A training step frees and re-creates the same activations and gradients every iteration. With
// plain malloc, multi-MB blocks go back to the kernel on free (glibc maps them with mmap, or trims the
// heap top), so every step touches fresh pages again, and first touch of a 4 KiB page costs 10-13 µs
// in our VMs: a 1024-4096-4096-1024 step spent a third of its time in page faults.
//
// So freed blocks stay with us:
// - Every request is rounded up to a size class (block_size): multiples of 64 bytes up to 512, then
//   four classes per power of two (at most 25 % rounding), and from the huge-page threshold (2 MiB) on
//   also a multiple of 2 MiB. One LIFO free list per class; a request takes a block of exactly its
//   class, so no block is ever split or merged, and deallocate() finds the class again from the size
//   Storage passes back (no per-block header or lookup table).
// - Classes below the threshold come from posix_memalign. Classes from the threshold on are mapped
//   with mmap, aligned to 2 MiB and advised MADV_HUGEPAGE (transparent huge pages run in "madvise"
//   mode here): first touch then costs ~0.25 µs per 4 KiB. The rounding up of a mapped block costs
//   address space only: pages are backed when touched.
// - bytes_cached is capped (default: half the physical memory); a freed block that does not fit goes
//   straight back to the system. empty_cache() releases everything cached; when the system refuses
//   an allocation the cache is emptied and the allocation retried once.
// - One mutex guards the free lists and counters: allocations are per tensor, not per element, and
//   an uncontended lock costs ~20 ns against ~1 µs of per-op overhead. mmap and free run outside it.
//
// TG_ALLOCATOR=system turns all of this off: every block comes from posix_memalign with exactly the
// requested size and is freed at once, which is what Storage did before the cache existed.
//
// AddressSanitizer: a cache hides use-after-free from ASan (the block is still "allocated" as far
// as malloc knows) and mapped blocks are invisible to LeakSanitizer. So under ASan the default
// backend is the system allocator, which keeps ASan's quarantine and leak checks. TG_ALLOCATOR=caching
// (or an Allocator created with caching on) still works under ASan: cached blocks are then poisoned
// with ASan's manual poisoning API, and only the requested bytes of a handed-out block are unpoisoned,
// so accesses to a freed block, or past the requested size into the class's rounding, are reported.
// What it cannot report is a use after the block has been handed out again.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>
#include <string_view>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/core/sanitizers.hpp>
#include <tapegrad/autograd/tensor/allocator.hpp>

#ifdef TG_ADDRESS_SANITIZER
#include <sanitizer/asan_interface.h>
#endif

namespace tg {
namespace {

constexpr int kSmallLog = 9;  // classes are multiples of 64 up to 2^9
constexpr std::size_t kSmallLimit = std::size_t{1} << kSmallLog;
constexpr std::size_t kSmallClasses = kSmallLimit / Allocator::kAlignment;  // 64, 128, ..., 512
constexpr int kMaxLog = 60;
constexpr std::size_t kMaxRequest = std::size_t{1} << kMaxLog;
constexpr std::size_t kClassCount = kSmallClasses + 4 * (kMaxLog + 1 - kSmallLog);

void poison(void* data, std::size_t bytes) {
#ifdef TG_ADDRESS_SANITIZER
  ASAN_POISON_MEMORY_REGION(data, bytes);
#else
  (void)data, (void)bytes;
#endif
}

void unpoison(void* data, std::size_t bytes) {
#ifdef TG_ADDRESS_SANITIZER
  ASAN_UNPOISON_MEMORY_REGION(data, bytes);
#else
  (void)data, (void)bytes;
#endif
}

std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Free-list index of a class size returned by block_size(): 0-7 for 64..512, then 4 per power of two.
std::size_t class_index(std::size_t block) {
  if (block <= kSmallLimit) return block / Allocator::kAlignment - 1;
  const int log = std::bit_width(block) - 1;
  const std::size_t power = std::size_t{1} << log;
  const std::size_t step = power / 4;
  return kSmallClasses + 4 * static_cast<std::size_t>(log - kSmallLog) + (block - power) / step;
}

// The inverse of class_index, used when emptying the cache.
std::size_t class_size(std::size_t index) {
  if (index < kSmallClasses) return (index + 1) * Allocator::kAlignment;
  const std::size_t rest = index - kSmallClasses;
  const std::size_t power = std::size_t{1} << (rest / 4 + kSmallLog);
  return power + rest % 4 * (power / 4);
}

std::size_t default_cache_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return std::size_t{8} << 30;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size) / 2;
}

AllocatorBackend backend_from_environment() {
  const char* value = std::getenv("TG_ALLOCATOR");
  if (value == nullptr || *value == '\0') {
#ifdef TG_ADDRESS_SANITIZER
    return AllocatorBackend::system;
#else
    return AllocatorBackend::caching;
#endif
  }
  const std::string_view name(value);
  if (name == "caching") return AllocatorBackend::caching;
  check(name == "system", "allocator", "TG_ALLOCATOR must be \"caching\" or \"system\", got \"", name, "\"");
  return AllocatorBackend::system;
}

}  // namespace

Allocator::Allocator(Options options) : options_(options), free_lists_(kClassCount) {
  if (options_.cache_limit == 0) options_.cache_limit = default_cache_limit();
  if (options_.huge_page_threshold == 0) options_.huge_page_threshold = kHugePageSize;
  stats_.caching = options_.caching;
  stats_.cache_limit = options_.cache_limit;
}

Allocator::~Allocator() { empty_cache(); }

std::size_t Allocator::block_size(std::size_t nbytes) const {
  if (nbytes > kMaxRequest) throw std::bad_alloc();
  // The system backend asks malloc for exactly the request, so ASan reports even a one-byte overflow.
  if (!options_.caching) return std::max<std::size_t>(nbytes, 1);
  if (nbytes <= kSmallLimit) return std::max(kAlignment, round_up(nbytes, kAlignment));
  const std::size_t step = std::bit_floor(nbytes) / 4;
  std::size_t block = round_up(nbytes, step);
  if (block >= options_.huge_page_threshold) block = round_up(block, kHugePageSize);
  return block;
}

bool Allocator::is_mapped(std::size_t block_bytes) const {
  return options_.caching && block_bytes >= options_.huge_page_threshold;
}

void* Allocator::allocate_from_system(std::size_t block_bytes) {
  if (!is_mapped(block_bytes)) {
    void* data = nullptr;
    return posix_memalign(&data, kAlignment, block_bytes) == 0 ? data : nullptr;
  }
  // Over-map by one huge page, then unmap the ends so the block starts on a 2 MiB boundary: a huge
  // page can only back a 2 MiB-aligned range.
  const std::size_t span = block_bytes + kHugePageSize;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(start, kHugePageSize);
  if (aligned > start) munmap(raw, aligned - start);
  const std::size_t tail = start + span - (aligned + block_bytes);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + block_bytes), tail);
  // Failure (THP disabled or unsupported) only means 4 KiB pages: keep the block.
  madvise(reinterpret_cast<void*>(aligned), block_bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

void Allocator::release_to_system(void* data, std::size_t block_bytes) {
  if (options_.caching) unpoison(data, block_bytes);  // the next owner must not inherit our poisoning
  if (!is_mapped(block_bytes))
    std::free(data);
  else
    munmap(data, block_bytes);
}

void* Allocator::allocate(std::size_t nbytes) {
  const std::size_t block = block_size(nbytes);
  void* data = nullptr;
  {
    std::lock_guard lock(mutex_);
    ++stats_.allocations;
    if (options_.caching) {
      std::vector<void*>& free_list = free_lists_[class_index(block)];
      if (!free_list.empty()) {
        data = free_list.back();
        free_list.pop_back();
        stats_.bytes_cached -= block;
        ++stats_.cache_hits;
        stats_.bytes_in_use += block;
        stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
      }
    }
  }
  if (data == nullptr) {
    data = allocate_from_system(block);
    if (data == nullptr) {  // out of memory: what we cache may be what the system is missing
      empty_cache();
      data = allocate_from_system(block);
      if (data == nullptr) throw std::bad_alloc();
    }
    if (options_.caching) poison(data, block);  // only the requested bytes become addressable
    std::lock_guard lock(mutex_);
    ++stats_.os_allocations;
    if (is_mapped(block)) ++stats_.huge_page_blocks;
    stats_.bytes_in_use += block;
    stats_.peak_bytes_in_use = std::max(stats_.peak_bytes_in_use, stats_.bytes_in_use);
  }
  if (options_.caching) unpoison(data, nbytes);
  return data;
}

void Allocator::deallocate(void* data, std::size_t nbytes) {
  if (data == nullptr) return;
  const std::size_t block = block_size(nbytes);
  if (options_.caching) poison(data, block);  // before another thread can take it from the free list
  bool cached = false;
  {
    std::lock_guard lock(mutex_);
    stats_.bytes_in_use -= block;
    if (options_.caching && stats_.bytes_cached + block <= options_.cache_limit) {
      try {
        free_lists_[class_index(block)].push_back(data);
        stats_.bytes_cached += block;
        cached = true;
      } catch (const std::bad_alloc&) {  // no room to remember it: release it instead
      }
    }
    if (!cached) ++stats_.os_releases;
  }
  if (!cached) release_to_system(data, block);
}

void Allocator::empty_cache() {
  std::vector<std::vector<void*>> released(kClassCount);
  {
    std::lock_guard lock(mutex_);
    released.swap(free_lists_);
    for (const std::vector<void*>& free_list : released) stats_.os_releases += free_list.size();
    stats_.bytes_cached = 0;
  }
  for (std::size_t index = 0; index < released.size(); ++index)
    for (void* data : released[index]) release_to_system(data, class_size(index));
}

void Allocator::set_cache_limit(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    options_.cache_limit = bytes;
    stats_.cache_limit = bytes;
    if (stats_.bytes_cached <= bytes) return;
  }
  empty_cache();  // simplest way under the new cap; the next step refills what it needs
}

void Allocator::reset_peak_stats() {
  std::lock_guard lock(mutex_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

AllocatorStats Allocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

AllocatorBackend allocator_backend() {
  static const AllocatorBackend backend = backend_from_environment();
  return backend;
}

Allocator& default_allocator() {
  // Never destroyed: static tensors may free their storage after this translation unit's statics die.
  static Allocator* const allocator = [] {
    Allocator::Options options;
    options.caching = allocator_backend() == AllocatorBackend::caching;
    return new Allocator(options);
  }();
  return *allocator;
}

AllocatorStats allocator_stats() { return default_allocator().stats(); }

void empty_cache() { default_allocator().empty_cache(); }

}  // namespace tg
