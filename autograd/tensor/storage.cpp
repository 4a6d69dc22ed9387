#include <atomic>
#include <cstdlib>
#include <new>

#include <tapegrad/autograd/tensor/storage.hpp>

namespace tg {
namespace {
std::atomic<std::int64_t> live_storages{0};
constexpr std::size_t kAlignment = 64;
}  // namespace

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
  // aligned_alloc needs a size that is a multiple of the alignment (and non-zero).
  const std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (data_ == nullptr) throw std::bad_alloc();
  ++live_storages;
}

Storage::Storage(void* external, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(external), nbytes_(nbytes), deleter_(std::move(deleter)), owned_(false) {
  ++live_storages;
}

Storage::~Storage() {
  if (owned_)
    std::free(data_);
  else if (deleter_)
    deleter_(data_);
  --live_storages;
}

std::int64_t Storage::live_count() { return live_storages.load(); }

}  // namespace tg
