#pragma once
// A per-thread cache of small fixed-size heap blocks for the objects every op allocates (TensorImpl,
// Storage, autograd nodes, with their shared_ptr control blocks). See Note [Block pool] in block_pool.cpp.
#include <cstddef>
#include <memory>
#include <utility>

// Public only because record<NodeT> (autograd/engine/node.hpp), instantiated in users' custom ops,
// allocates its node here: the two functions are exported (tests/tools/check_exports.cmake lists them),
// while the allocator template stays hidden (each binary instantiates its own).
#pragma GCC visibility push(default)

namespace tg::detail {

/// Blocks up to this size are cached; larger ones go straight to operator new/delete.
inline constexpr std::size_t kPoolMaxBlockBytes = 512;

/// A block of at least `bytes` (<= kPoolMaxBlockBytes), aligned for any fundamental type.
void* pool_allocate(std::size_t bytes);
/// Returns a block from pool_allocate(bytes) (same `bytes`), on any thread.
void pool_deallocate(void* block, std::size_t bytes) noexcept;

#pragma GCC visibility push(hidden)

/// Allocator for std::allocate_shared: single objects that fit come from the block pool.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>& /*unused*/) noexcept {}

  T* allocate(std::size_t n) {
    if (fits_pool(n)) return static_cast<T*>(pool_allocate(sizeof(T)));
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* block, std::size_t n) noexcept {
    if (fits_pool(n))
      pool_deallocate(block, sizeof(T));
    else
      std::allocator<T>().deallocate(block, n);
  }
  friend bool operator==(const PoolAllocator& /*unused*/, const PoolAllocator& /*unused*/) { return true; }

 private:
  static constexpr bool fits_pool(std::size_t n) {
    return n == 1 && sizeof(T) <= kPoolMaxBlockBytes && alignof(T) <= alignof(std::max_align_t);
  }
};

/// std::make_shared with the object and its control block in one pooled block.
template <class T, class... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

#pragma GCC visibility pop  // hidden

}  // namespace tg::detail

#pragma GCC visibility pop
