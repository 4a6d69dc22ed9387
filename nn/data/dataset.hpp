#pragma once
// TensorDataset: examples held in two in-memory tensors whose first dim indexes the examples, and
// seeded, reproducible splits of it (random_split, train_test_split).
#include <cstdint>
#include <random>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/data/example.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// Inputs and targets as two tensors of the same first size, e.g. inputs [1797, 64] float32 and
/// targets [1797] int64. (libtorch's datasets::TensorDataset, one tensor and no targets, is
/// tg::data::datasets::TensorDataset.)
class TensorDataset {
 public:
  TensorDataset() = default;
  /// Throws tg::Error naming both shapes unless inputs.size(0) == targets.size(0).
  TensorDataset(Tensor inputs, Tensor targets);

  /// The number of examples.
  std::int64_t size() const;
  /// Example i as views of row i of the inputs and targets (no copy).
  Example<> get(std::int64_t index) const;
  /// The examples at `indices` (1-D int64), gathered with one index_select per tensor.
  Example<> get_batch(const Tensor& indices) const;
  /// A new dataset holding copies of the examples at `indices` (1-D int64), in that order.
  TensorDataset subset(const Tensor& indices) const;

  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_;
  Tensor targets_;
};

/// Splits `dataset` into parts of the given lengths (which must sum to dataset.size()) after a random
/// permutation drawn from std::mt19937_64 seeded with `seed`: the same seed gives the same split on
/// every run and platform. Each part holds copies of its examples.
std::vector<TensorDataset> random_split(const TensorDataset& dataset,
                                        const std::vector<std::int64_t>& lengths, std::uint64_t seed);

struct TrainTestSplit {
  TensorDataset train;
  TensorDataset test;
};

/// A seeded random split into train and test parts. As in scikit-learn's train_test_split, the test part
/// gets ceil(test_fraction * size()) examples and the train part the rest: 1797 examples with
/// test_fraction 0.2 give 1437 train and 360 test. test_fraction must lie in [0, 1].
TrainTestSplit train_test_split(const TensorDataset& dataset, double test_fraction, std::uint64_t seed);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// A generator seeded from (seed, stream) through std::seed_seq, so that distinct streams (e.g. epochs)
/// of one seed get unrelated sequences. Both std::seed_seq and std::mt19937_64 are fully specified by the
/// standard, so the sequence is the same everywhere.
std::mt19937_64 make_generator(std::uint64_t seed, std::uint64_t stream);
/// 0, 1, ..., n-1 shuffled by Fisher-Yates with unbiased draws from `generator` (std::shuffle is not
/// used: its algorithm differs between standard libraries).
std::vector<std::int64_t> random_permutation(std::int64_t n, std::mt19937_64& generator);
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg::data

#pragma GCC visibility pop
