#include <algorithm>

#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/data/data_loader.hpp>

namespace tg::data {

DataLoader::DataLoader(TensorDataset dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  check(options_.batch_size() > 0, "DataLoader", "batch_size must be positive, got 0");
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = dataset_.size();
  const auto batch_size = static_cast<std::int64_t>(options_.batch_size());
  return options_.drop_last() ? n / batch_size : (n + batch_size - 1) / batch_size;
}

void DataLoader::set_epoch(std::int64_t epoch) {
  check(epoch >= 0, "DataLoader::set_epoch", "epoch must not be negative, got ", epoch);
  epoch_ = epoch;
}

Tensor DataLoader::order(std::int64_t epoch) const {
  check(epoch >= 0, "DataLoader::order", "epoch must not be negative, got ", epoch);
  if (!options_.shuffle()) return arange(dataset_.size());
  std::mt19937_64 generator = detail::make_generator(options_.seed(), static_cast<std::uint64_t>(epoch));
  return tensor(detail::random_permutation(dataset_.size(), generator));
}

DataLoader::Iterator DataLoader::begin() {
  Tensor epoch_order = order(epoch_);
  ++epoch_;
  return Iterator(this, std::move(epoch_order), 0);
}

DataLoader::Iterator DataLoader::end() const { return Iterator(this, Tensor(), size()); }

Example<> DataLoader::batch(const Tensor& order, std::int64_t batch) const {
  check(batch >= 0 && batch < size(), "DataLoader", "batch ", batch, " is out of range for ", size(),
        " batches; an iterator was dereferenced at or past end()");
  const auto batch_size = static_cast<std::int64_t>(options_.batch_size());
  const std::int64_t start = batch * batch_size;
  const std::int64_t length = std::min(batch_size, dataset_.size() - start);
  return dataset_.get_batch(narrow(order, 0, start, length));
}

const Example<>& DataLoader::Iterator::operator*() const {
  check(loader_ != nullptr && order_.defined(), "DataLoader",
        "cannot dereference end() or a default iterator");
  if (!current_.data.defined()) current_ = loader_->batch(order_, batch_);
  return current_;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++batch_;
  current_ = Example<>();
  return *this;
}

}  // namespace tg::data
