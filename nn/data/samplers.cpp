#include <algorithm>
#include <numeric>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/data/dataset.hpp>
#include <tapegrad/nn/data/samplers.hpp>

namespace tg::data::samplers {

namespace {

// indices[begin, min(begin + batch_size, end)), or nullopt once begin reaches end.
std::optional<std::vector<std::size_t>> slice(const std::vector<std::size_t>& indices, std::size_t& begin,
                                              std::size_t end, std::size_t batch_size) {
  if (begin == end) return std::nullopt;
  const std::size_t stop = std::min(end, begin + batch_size);
  std::vector<std::size_t> batch(indices.begin() + static_cast<std::ptrdiff_t>(begin),
                                 indices.begin() + static_cast<std::ptrdiff_t>(stop));
  begin = stop;
  return batch;
}

void check_replicas(std::size_t num_replicas, std::size_t rank, const char* op) {
  check(num_replicas > 0, op, "num_replicas must be positive, got ", num_replicas);
  check(rank < num_replicas, op, "rank ", rank, " is out of range for ", num_replicas, " replicas");
}

}  // namespace

void SequentialSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<std::size_t>> SequentialSampler::next(std::size_t batch_size) {
  const std::size_t remaining = size_ - index_;
  if (remaining == 0) return std::nullopt;
  std::vector<std::size_t> batch(std::min(batch_size, remaining));
  std::iota(batch.begin(), batch.end(), index_);
  index_ += batch.size();
  return batch;
}

RandomSampler::RandomSampler(std::int64_t size, Dtype index_dtype) : indices_(randperm(size, index_dtype)) {}

void RandomSampler::reset(std::optional<std::size_t> new_size) {
  const std::int64_t size = new_size ? static_cast<std::int64_t>(*new_size) : indices_.numel();
  indices_ = randperm(size, indices_.dtype());
  index_ = 0;
}

std::optional<std::vector<std::size_t>> RandomSampler::next(std::size_t batch_size) {
  const std::int64_t remaining = indices_.numel() - index_;
  if (remaining == 0) return std::nullopt;
  const std::int64_t length = std::min(static_cast<std::int64_t>(batch_size), remaining);
  const std::vector<std::int64_t> values =
      indices_.narrow(0, index_, length).to(kInt64).to_vector<std::int64_t>();
  index_ += length;
  return std::vector<std::size_t>(values.begin(), values.end());
}

DistributedRandomSampler::DistributedRandomSampler(std::size_t size, std::size_t num_replicas,
                                                   std::size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  check_replicas(num_replicas, rank, "DistributedRandomSampler");
  reset(size_);
}

void DistributedRandomSampler::populate_indices() {
  const std::size_t local_count = local_sample_count();
  // With duplicates, the indices past size_ wrap around to the start so that every replica gets local_count.
  const std::size_t sample_count = num_replicas_ == 1 ? size_ : local_count * num_replicas_;
  all_indices_.resize(sample_count);
  for (std::size_t i = 0; i < sample_count; ++i) all_indices_[i] = size_ == 0 ? 0 : i % size_;
  begin_index_ = rank_ * local_count;
  end_index_ = begin_index_ + local_count;
  sample_index_ = begin_index_;
}

void DistributedRandomSampler::reset(std::optional<std::size_t> new_size) {
  size_ = new_size.value_or(size_);
  populate_indices();
  // Our own seeded Fisher-Yates (not std::shuffle, whose algorithm differs between standard libraries), so
  // that replicas built by different toolchains still agree on the permutation.
  std::mt19937_64 generator = tg::data::detail::make_generator(epoch_, 0);
  const std::vector<std::int64_t> order =
      tg::data::detail::random_permutation(static_cast<std::int64_t>(all_indices_.size()), generator);
  std::vector<std::size_t> shuffled(all_indices_.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    shuffled[i] = all_indices_[static_cast<std::size_t>(order[i])];
  all_indices_ = std::move(shuffled);
}

std::optional<std::vector<std::size_t>> DistributedRandomSampler::next(std::size_t batch_size) {
  return slice(all_indices_, sample_index_, end_index_, batch_size);
}

DistributedSequentialSampler::DistributedSequentialSampler(std::size_t size, std::size_t num_replicas,
                                                           std::size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  check_replicas(num_replicas, rank, "DistributedSequentialSampler");
  populate_indices();
}

void DistributedSequentialSampler::populate_indices() {
  begin_index_ = rank_ * local_sample_count();
  end_index_ = begin_index_ + local_sample_count();
  sample_index_ = begin_index_;
}

void DistributedSequentialSampler::reset(std::optional<std::size_t> new_size) {
  size_ = new_size.value_or(size_);
  populate_indices();
}

std::optional<std::vector<std::size_t>> DistributedSequentialSampler::next(std::size_t batch_size) {
  if (sample_index_ == end_index_) return std::nullopt;
  const std::size_t stop = std::min(end_index_, sample_index_ + batch_size);
  std::vector<std::size_t> batch(stop - sample_index_);
  std::iota(batch.begin(), batch.end(), sample_index_);
  for (std::size_t& index : batch) index %= size_;  // the duplicates wrap around to the start
  sample_index_ = stop;
  return batch;
}

void StreamSampler::reset(std::optional<std::size_t> new_size) {
  examples_retrieved_so_far_ = 0;
  if (new_size) epoch_size_ = *new_size;
}

std::optional<BatchSize> StreamSampler::next(std::size_t batch_size) {
  if (examples_retrieved_so_far_ == epoch_size_) return std::nullopt;
  batch_size = std::min(batch_size, epoch_size_ - examples_retrieved_so_far_);
  examples_retrieved_so_far_ += batch_size;
  return BatchSize(batch_size);
}

}  // namespace tg::data::samplers
