#pragma once
// A per-thread cache of small fixed-size heap blocks for the objects every op allocates (TensorImpl,
// Storage, autograd nodes, with their shared_ptr control blocks). See Note [Block pool] in block_pool.cpp.
#include <cstddef>
#include <memory>
#include <utility>

#pragma GCC visibility push(default)  // exported: record<NodeT>, instantiated in user code, uses it

namespace tg::detail {

/// Blocks up to this size are cached; larger ones go straight to operator new/delete.
inline constexpr std::size_t kPoolMaxBlockBytes = 512;

/// A block of at least `bytes` (<= kPoolMaxBlockBytes), aligned for any fundamental type.
void* pool_allocate(std::size_t bytes);
/// Returns a block from pool_allocate(bytes) (same `bytes`), on any thread.
void pool_deallocate(void* block, std::size_t bytes) noexcept;

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

}  // namespace tg::detail

#pragma GCC visibility pop
