#include <atomic>

#include <tapegrad/autograd/tensor/allocator.hpp>
#include <tapegrad/autograd/tensor/storage.hpp>

namespace tg {
namespace {
std::atomic<std::int64_t> live_storages{0};
}  // namespace

// Owned memory comes from the caching allocator: see Note [Caching allocator] in allocator.cpp.
Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
  data_ = default_allocator().allocate(nbytes);
  ++live_storages;
}

Storage::Storage(void* external, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(external), nbytes_(nbytes), deleter_(std::move(deleter)), owned_(false) {
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
