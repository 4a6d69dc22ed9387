#pragma once
// Working memory for one kernel call, from the caching allocator. Included only by .cpp files of the library.
//
// A kernel's temporary buffer (per-chunk partial sums, reordered operands) lives for one call and has the
// same size every step of a training loop. From malloc, anything of 128 KiB or more is mapped fresh, or the
// heap top is trimmed and grown again, so each call page-faults and the kernel clears every page before the
// kernel code touches it: 16 % of the time of a [256, 1024] bias backward went to clear_page (perf), and
// whether it happened depended on the heap's layout. The caching allocator hands the same block back every
// step.
#include <cstddef>
#include <cstdint>
#include <utility>

#include <tapegrad/autograd/tensor/allocator.hpp>

namespace tg::kernels {

/// `count` uninitialised elements of a trivial type T, released at scope exit.
template <class T>
class Scratch {
 public:
  explicit Scratch(std::int64_t count)
      : bytes_(static_cast<std::size_t>(count) * sizeof(T)),
        data_(bytes_ > 0 ? static_cast<T*>(default_allocator().allocate(bytes_)) : nullptr) {}
  /// `count` elements, each set to `value`.
  Scratch(std::int64_t count, T value) : Scratch(count) {
    for (std::int64_t i = 0; i < count; ++i) data_[i] = value;
  }
  ~Scratch() {
    if (data_ != nullptr) default_allocator().deallocate(data_, bytes_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  T* data() const { return data_; }

 private:
  std::size_t bytes_;
  T* data_;
};

}  // namespace tg::kernels
