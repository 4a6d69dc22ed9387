#pragma once
// torch::data::samplers: the index sequences a DataLoader asks a dataset for, batch by batch. next(n) returns
// the next request of at most n indices, or nullopt at the end of the epoch; reset() starts a new epoch.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data::samplers {

template <typename BatchRequest = std::vector<std::size_t>>
class Sampler {
 public:
  using BatchRequestType = BatchRequest;

  virtual ~Sampler() = default;
  /// Starts a new epoch, over `new_size` examples when given.
  virtual void reset(std::optional<std::size_t> new_size) = 0;
  virtual std::optional<BatchRequest> next(std::size_t batch_size) = 0;
};

/// 0, 1, ..., size - 1.
class SequentialSampler : public Sampler<> {
 public:
  explicit SequentialSampler(std::size_t size) : size_(size) {}
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  /// How many indices this epoch has returned.
  std::size_t index() const noexcept { return index_; }

 private:
  std::size_t size_;
  std::size_t index_ = 0;
};

/// A permutation of 0, ..., size - 1 drawn with randperm from the global generator (tg::manual_seed) at
/// construction and at every reset(), so seeded programs visit the same orders on every run.
class RandomSampler : public Sampler<> {
 public:
  explicit RandomSampler(std::int64_t size, Dtype index_dtype = kInt64);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return static_cast<std::size_t>(index_); }

 private:
  Tensor indices_;
  std::int64_t index_ = 0;
};

/// Splits 0, ..., size - 1 among num_replicas processes; this one (rank) gets every index of its part. With
/// allow_duplicates each part has ceil(size / num_replicas) indices, the last ones wrapping around to the
/// start so that all parts are equal; without, each has floor(size / num_replicas) and the remainder is left
/// out.
template <typename BatchRequest = std::vector<std::size_t>>
class DistributedSampler : public Sampler<BatchRequest> {
 public:
  DistributedSampler(std::size_t size, std::size_t num_replicas = 1, std::size_t rank = 0,
                     bool allow_duplicates = true)
      : size_(size),
        num_replicas_(num_replicas),
        rank_(rank),
        epoch_(0),
        allow_duplicates_(allow_duplicates) {}

  /// The epoch seeds DistributedRandomSampler's shuffle: every replica must set the same one.
  void set_epoch(std::size_t epoch) { epoch_ = epoch; }
  std::size_t epoch() const { return epoch_; }

 protected:
  std::size_t local_sample_count() const {
    return allow_duplicates_ ? (size_ + num_replicas_ - 1) / num_replicas_ : size_ / num_replicas_;
  }

  std::size_t size_;
  std::size_t num_replicas_;
  std::size_t rank_;
  std::size_t epoch_;
  bool allow_duplicates_;
};

/// This replica's part of a permutation seeded by the epoch alone (not the global generator), so that all
/// replicas shuffle alike and their parts never overlap (except the wrapped-around duplicates).
class DistributedRandomSampler : public DistributedSampler<> {
 public:
  DistributedRandomSampler(std::size_t size, std::size_t num_replicas = 1, std::size_t rank = 0,
                           bool allow_duplicates = true);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return sample_index_; }

 private:
  void populate_indices();

  std::size_t begin_index_ = 0;
  std::size_t end_index_ = 0;
  std::size_t sample_index_ = 0;
  std::vector<std::size_t> all_indices_;
};

/// This replica's contiguous part of 0, ..., size - 1 (rank r gets [r * part, (r + 1) * part), modulo size).
class DistributedSequentialSampler : public DistributedSampler<> {
 public:
  DistributedSequentialSampler(std::size_t size, std::size_t num_replicas = 1, std::size_t rank = 0,
                               bool allow_duplicates = true);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return sample_index_; }

 private:
  void populate_indices();

  std::size_t begin_index_ = 0;
  std::size_t end_index_ = 0;
  std::size_t sample_index_ = 0;
};

/// A batch request that is only a count, for stream datasets.
struct CustomBatchRequest {
  virtual ~CustomBatchRequest() = default;
  virtual std::size_t size() const = 0;
};

struct BatchSize : public CustomBatchRequest {
  explicit BatchSize(std::size_t size) : size_(size) {}
  std::size_t size() const noexcept override { return size_; }
  operator std::size_t() const noexcept { return size_; }
  std::size_t size_;
};

/// Asks a stream dataset for batch_size examples at a time until epoch_size examples have been requested.
class StreamSampler : public Sampler<BatchSize> {
 public:
  explicit StreamSampler(std::size_t epoch_size) : epoch_size_(epoch_size) {}
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<BatchSize> next(std::size_t batch_size) override;

 private:
  std::size_t examples_retrieved_so_far_ = 0;
  std::size_t epoch_size_;
};

}  // namespace tg::data::samplers

#pragma GCC visibility pop
