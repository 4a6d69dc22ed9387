#pragma once
// DataLoader: mini-batches of a TensorDataset for range-for loops, optionally in a seeded order that
// changes every epoch (tapegrad's own loader; libtorch's make_data_loader is in dataloader.hpp). Of the
// DataLoaderOptions it uses batch_size, drop_last, shuffle and seed.
#include <cstddef>
#include <cstdint>
#include <iterator>

#include <tapegrad/nn/data/dataloader_options.hpp>
#include <tapegrad/nn/data/dataset.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// Iterates over a TensorDataset in batches:
///
///   tg::data::DataLoader loader(train, tg::data::DataLoaderOptions().batch_size(64).shuffle(true));
///   for (int epoch = 0; epoch < 10; ++epoch)
///     for (const tg::data::Example<>& batch : loader) step(batch.data, batch.target);
///
/// Each batch holds copies of its examples, gathered with one index_select per tensor (inputs
/// [batch, ...], targets [batch, ...]). Every begin() starts a new epoch. With shuffle, epoch e visits the
/// examples in a permutation drawn from the loader's own std::mt19937_64 seeded with (seed, e); the global
/// generator of tg::manual_seed is neither used nor advanced, so the orders depend only on the seed and the
/// epoch number (set_epoch() lets a resumed run continue where it stopped).
class DataLoader {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example<>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Example<>*;
    using reference = const Example<>&;

    Iterator() = default;
    const Example<>& operator*() const;
    const Example<>* operator->() const { return &**this; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.batch_ == b.batch_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, Tensor order, std::int64_t batch)
        : loader_(loader), order_(std::move(order)), batch_(batch) {}

    const DataLoader* loader_ = nullptr;
    Tensor order_;  // this epoch's example order (int64 [size]); kept here so a later epoch cannot change it
    std::int64_t batch_ = 0;
    mutable Example<> current_;  // gathered on first access
  };

  /// Throws tg::Error unless batch_size > 0.
  explicit DataLoader(TensorDataset dataset, DataLoaderOptions options = {});

  /// Starts the next epoch (drawing its order when shuffling) at its first batch.
  Iterator begin();
  Iterator end() const;

  /// The number of batches per epoch: ceil(size / batch_size), or floor with drop_last.
  std::int64_t size() const;
  /// The number of epochs started so far (the next begin() starts epoch number epoch()).
  std::int64_t epoch() const { return epoch_; }
  /// Makes the next begin() start epoch `epoch`, e.g. to resume a run with the same orders.
  void set_epoch(std::int64_t epoch);
  /// The example order of epoch `epoch` (int64 [dataset size]); the identity without shuffle.
  Tensor order(std::int64_t epoch) const;

  const TensorDataset& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }

 private:
  Example<> batch(const Tensor& order, std::int64_t batch) const;

  TensorDataset dataset_;
  DataLoaderOptions options_;
  std::int64_t epoch_ = 0;
};

}  // namespace tg::data

#pragma GCC visibility pop
