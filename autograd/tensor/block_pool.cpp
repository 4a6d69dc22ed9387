#include <array>
#include <cstddef>
#include <cstdint>
#include <new>

#include <tapegrad/autograd/core/sanitizers.hpp>
#include <tapegrad/autograd/tensor/allocator.hpp>
#include <tapegrad/autograd/tensor/block_pool.hpp>

// Note [Block pool]
// Every op allocates the same few small objects: the output's TensorImpl, its Storage (with the data
// inline when small, Note [Small storages]) and, when recorded, its backward node, each together with
// its shared_ptr control block. A training step frees them again in the same order of sizes. Through
// malloc each allocate/free pair cost ~100-150 instructions, and a backward over a long chain, which
// frees thousands of nodes in a row, overflows glibc's 7-entry per-thread cache and takes the slow
// `_int_free` path for each: malloc + free were ~25 % of an op's instructions.
//
// So these blocks go through a per-thread free list per size class (multiples of kGranule bytes up to
// kPoolMaxBlockBytes): allocation pops, release pushes, no locks and no atomics. Every block is still
// an ordinary operator-new block of its class's size, owned by nobody in particular, which keeps the
// design simple where it matters:
// - A block may be released on another thread than the one that allocated it (the engine may run a
//   backward, and so free nodes, on any thread; tensors move between threads): it joins the releasing
//   thread's list, or goes back to operator delete when that list is full.
// - A thread keeps at most kMaxCachedBytes in its lists (a backward over a 10,000-op chain frees
//   ~4 MB of nodes, which the next forward allocates again); beyond that, blocks are freed. A thread's lists
//   are freed when the thread exits; blocks released after that (thread_local destructors that run later and
//   drop tensors) go straight to operator delete.
// - Under AddressSanitizer (whatever TG_ALLOCATOR says) and with TG_ALLOCATOR=system the pool is off:
//   every object is its own exact-size operator-new block, so ASan still reports a use-after-free of
//   a tensor or node, which a reused block would hide.
namespace tg::detail {
namespace {
constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = kPoolMaxBlockBytes / kGranule;
constexpr std::size_t kMaxCachedBytes = std::size_t{4} << 20;  // per thread, all classes

struct FreeBlock {
  FreeBlock* next;
};

enum class ListsState : unsigned char {
  unused,  // nothing cached yet; the first release decides (pool_enabled) and arms the exit hook
  open,
  closed,  // the thread is exiting: releases go to operator delete
};

// Trivially destructible and constant-initialised: usable without a guard, and still valid while the
// thread's other thread_local objects are destroyed.
struct ThreadLists {
  std::array<FreeBlock*, kClasses> head{};
  std::size_t cached_bytes = 0;
  ListsState state = ListsState::unused;
};
// initial-exec: a shared library's thread_local is otherwise reached through a __tls_get_addr call
// (~10 instructions per access). The cost is a few bytes of the static TLS block that glibc reserves
// for libraries loaded later by dlopen.
constinit thread_local ThreadLists lists __attribute__((tls_model("initial-exec")));

constexpr std::size_t class_of(std::size_t bytes) { return (bytes - 1) / kGranule; }
constexpr std::size_t class_bytes(std::size_t index) { return (index + 1) * kGranule; }

bool pool_enabled() {
#ifdef TG_ADDRESS_SANITIZER
  return false;
#else
  static const bool enabled = allocator_backend() == AllocatorBackend::caching;
  return enabled;
#endif
}

struct ExitHook {
  ExitHook() { lists.state = ListsState::open; }
  ~ExitHook() {
    lists.state = ListsState::closed;
    for (std::size_t index = 0; index < kClasses; ++index) {
      while (FreeBlock* block = lists.head[index]) {
        lists.head[index] = block->next;
        ::operator delete(block);
      }
    }
    lists.cached_bytes = 0;
  }
};

void push(void* block, std::size_t index) {
  lists.head[index] = new (block) FreeBlock{lists.head[index]};
  lists.cached_bytes += class_bytes(index);
}

[[gnu::noinline]] void release_slow(void* block, std::size_t bytes) noexcept {
  if (!pool_enabled()) return ::operator delete(block);  // as it was allocated
  const std::size_t index = class_of(bytes);
  if (lists.state == ListsState::unused) {
    static thread_local const ExitHook hook;  // opens the lists; frees them at thread exit
    if (lists.state == ListsState::open) return push(block, index);
  }
  ::operator delete(block);
}
}  // namespace

void* pool_allocate(std::size_t bytes) {
  const std::size_t index = class_of(bytes);
  if (FreeBlock* block = lists.head[index]) [[likely]] {  // never set while the pool is off
    lists.head[index] = block->next;
    lists.cached_bytes -= class_bytes(index);
    return block;
  }
  return ::operator new(pool_enabled() ? class_bytes(index) : bytes);
}

void pool_deallocate(void* block, std::size_t bytes) noexcept {
  const std::size_t index = class_of(bytes);
  if (lists.state == ListsState::open && lists.cached_bytes + class_bytes(index) <= kMaxCachedBytes)
      [[likely]]
    return push(block, index);
  release_slow(block, bytes);
}

}  // namespace tg::detail
