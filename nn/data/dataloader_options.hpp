#pragma once
// DataLoaderOptions, chained as in libtorch: DataLoaderOptions().batch_size(64).workers(2).drop_last(true).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

struct DataLoaderOptions {
  DataLoaderOptions() = default;
  /* implicit */ DataLoaderOptions(std::size_t batch_size) : batch_size_(batch_size) {}

  /// Examples per batch (default 1).
  DataLoaderOptions& batch_size(std::size_t value) {
    batch_size_ = value;
    return *this;
  }
  /// Threads that load batches ahead of the consumer (default 0: batches are loaded on demand by the caller).
  DataLoaderOptions& workers(std::size_t value) {
    workers_ = value;
    return *this;
  }
  /// Most batches requested ahead at once (default 2 * workers).
  DataLoaderOptions& max_jobs(std::optional<std::size_t> value) {
    max_jobs_ = value;
    return *this;
  }
  /// How long to wait for a worker's batch before throwing (default forever).
  DataLoaderOptions& timeout(std::optional<std::chrono::milliseconds> value) {
    timeout_ = value;
    return *this;
  }
  /// Yield the batches in sampler order even when workers finish them out of order (default true).
  DataLoaderOptions& enforce_ordering(bool value) {
    enforce_ordering_ = value;
    return *this;
  }
  /// Skip the last batch when it would be smaller than batch_size (default false).
  DataLoaderOptions& drop_last(bool value) {
    drop_last_ = value;
    return *this;
  }
  /// tapegrad's own DataLoader class only (make_data_loader takes a sampler instead): visit the examples in a
  /// new random order every epoch (default false).
  DataLoaderOptions& shuffle(bool value) {
    shuffle_ = value;
    return *this;
  }
  /// tapegrad's own DataLoader class only: the seed of its shuffling orders (default 0).
  DataLoaderOptions& seed(std::uint64_t value) {
    seed_ = value;
    return *this;
  }

  const std::size_t& batch_size() const noexcept { return batch_size_; }
  const std::size_t& workers() const noexcept { return workers_; }
  const std::optional<std::size_t>& max_jobs() const noexcept { return max_jobs_; }
  const std::optional<std::chrono::milliseconds>& timeout() const noexcept { return timeout_; }
  const bool& enforce_ordering() const noexcept { return enforce_ordering_; }
  const bool& drop_last() const noexcept { return drop_last_; }
  bool shuffle() const noexcept { return shuffle_; }
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::size_t batch_size_ = 1;
  std::size_t workers_ = 0;
  std::optional<std::size_t> max_jobs_;
  std::optional<std::chrono::milliseconds> timeout_;
  bool enforce_ordering_ = true;
  bool drop_last_ = false;
  bool shuffle_ = false;
  std::uint64_t seed_ = 0;
};

/// The options a data loader runs with, every default filled in.
struct FullDataLoaderOptions {
  explicit FullDataLoaderOptions(DataLoaderOptions options)
      : batch_size(options.batch_size()),
        workers(options.workers()),
        max_jobs(options.max_jobs().value_or(2 * options.workers())),
        timeout(options.timeout()),
        enforce_ordering(options.enforce_ordering()),
        drop_last(options.drop_last()) {}

  std::size_t batch_size;
  std::size_t workers;
  std::size_t max_jobs;
  std::optional<std::chrono::milliseconds> timeout;
  bool enforce_ordering;
  bool drop_last;
};

}  // namespace tg::data

#pragma GCC visibility pop
