#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <tapegrad/autograd/tensor/allocator.hpp>
#include <tapegrad/autograd/tensor/block_pool.hpp>
#include <tapegrad/autograd/tensor/storage.hpp>

// Note [Small storages]
// A tensor of a few elements costs more in bookkeeping than in arithmetic, and one of the larger costs
// was its memory: a trip through the caching allocator (mutex, size class, statistics) on creation and
// again on release. So with the caching backend, tensors of up to kInlineCapacity bytes keep their
// elements in a buffer inside the Storage object, which make_shared allocates together with its
// reference counts: one heap allocation per storage instead of two. Such blocks are not counted in
// allocator_stats(). With TG_ALLOCATOR=system (the default under AddressSanitizer) every storage comes
// from the allocator, whose exact-size blocks let ASan report even a one-byte overflow.
namespace tg {
namespace {
std::atomic<std::int64_t> live_storages{0};

// A Storage whose memory is its own member. the heap gives only 16-byte alignment, so the buffer is
// padded and the data starts at its first 64-byte boundary (an alignas(64) member would need aligned operator
// new, which is much slower than plain malloc, and would keep it out of the block pool).
template <std::size_t Capacity>
class InlineStorage final : public Storage {
 public:
  explicit InlineStorage(std::size_t nbytes) : Storage(aligned_start(buffer_), nbytes) {}

 private:
  static constexpr std::size_t kPadding = Allocator::kAlignment - 1;
  static void* aligned_start(std::byte* buffer) {
    const auto address = reinterpret_cast<std::uintptr_t>(buffer);
    const std::uintptr_t aligned = (address + Allocator::kAlignment - 1) & ~(Allocator::kAlignment - 1);
    return buffer + (aligned - address);
  }
  std::byte buffer_[Capacity + kPadding];
};

constexpr std::size_t kSmallCapacity = 64;    // up to 16 floats
constexpr std::size_t kInlineCapacity = 256;  // up to 64 floats (an 8x8 matrix)
}  // namespace

std::shared_ptr<Storage> Storage::create(std::size_t nbytes) {
  static const bool inline_allowed = allocator_backend() == AllocatorBackend::caching;
  if (inline_allowed && nbytes <= kInlineCapacity) {
    if (nbytes <= kSmallCapacity) return detail::make_pooled<InlineStorage<kSmallCapacity>>(nbytes);
    return detail::make_pooled<InlineStorage<kInlineCapacity>>(nbytes);
  }
  return detail::make_pooled<Storage>(nbytes);
}

// Owned memory comes from the caching allocator: see Note [Caching allocator] in allocator.cpp.
Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
  data_ = default_allocator().allocate(nbytes);
  ++live_storages;
}

Storage::Storage(void* external, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(external), nbytes_(nbytes), deleter_(std::move(deleter)), owned_(false) {
  ++live_storages;
}

Storage::Storage(void* inline_data, std::size_t nbytes) : data_(inline_data), nbytes_(nbytes), owned_(false) {
  ++live_storages;
}

Storage::~Storage() {
  if (owned_)
    default_allocator().deallocate(data_, nbytes_);
  else if (deleter_)
    deleter_(data_);
  --live_storages;
}

std::int64_t Storage::live_count() { return live_storages.load(); }

}  // namespace tg
