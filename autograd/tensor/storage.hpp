#pragma once
// A reference-counted, 64-byte aligned block of memory shared by a tensor and all its views.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class Storage {
 public:
  /// `nbytes` of owned, 64-byte aligned, uninitialised memory: inside the Storage object itself when
  /// small (see Note [Small storages] in storage.cpp), else from default_allocator().
  static std::shared_ptr<Storage> create(std::size_t nbytes);
  /// Allocates `nbytes` (64-byte aligned, uninitialised) from default_allocator(), which caches freed blocks.
  explicit Storage(std::size_t nbytes);
  /// Wraps memory the caller owns; `deleter` (may be empty) runs when the last view goes away.
  Storage(void* external, std::size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

  /// Bumped by every in-place write; saved tensors compare it to detect modification after saving.
  std::uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

  /// Number of Storage objects alive in the process (used to prove that training loops do not leak).
  static std::int64_t live_count();

 protected:
  /// Memory inside the derived object (Note [Small storages]): not owned, nothing to delete.
  Storage(void* inline_data, std::size_t nbytes);

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::uint64_t version_ = 0;
  std::function<void(void*)> deleter_;
  bool owned_ = true;
};

}  // namespace tg

#pragma GCC visibility pop
