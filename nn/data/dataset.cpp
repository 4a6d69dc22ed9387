#include <algorithm>
#include <cmath>
#include <numeric>

#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/data/dataset.hpp>

namespace tg::data {

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  tg::detail::check_defined("TensorDataset", "inputs", inputs_);
  tg::detail::check_defined("TensorDataset", "targets", targets_);
  check(inputs_.dim() > 0 && targets_.dim() > 0, "TensorDataset",
        "inputs and targets need a first dim that indexes the examples, got inputs of shape ",
        inputs_.sizes(), " and targets of shape ", targets_.sizes());
  check(inputs_.size(0) == targets_.size(0), "TensorDataset", "inputs of shape ", inputs_.sizes(),
        " and targets of shape ", targets_.sizes(), " differ in their number of examples (", inputs_.size(0),
        " vs ", targets_.size(0), ")");
}

std::int64_t TensorDataset::size() const { return inputs_.defined() ? inputs_.size(0) : 0; }

Example<> TensorDataset::get(std::int64_t index) const {
  check(index >= 0 && index < size(), "TensorDataset::get", "index ", index,
        " is out of range for a dataset of ", size(), " examples");
  return {select(inputs_, 0, index), select(targets_, 0, index)};
}

Example<> TensorDataset::get_batch(const Tensor& indices) const {
  check(inputs_.defined(), "TensorDataset::get_batch", "the dataset is empty (default-constructed)");
  return {index_select(inputs_, 0, indices), index_select(targets_, 0, indices)};
}

TensorDataset TensorDataset::subset(const Tensor& indices) const {
  Example<> batch = get_batch(indices);
  return TensorDataset(std::move(batch.data), std::move(batch.target));
}

std::vector<TensorDataset> random_split(const TensorDataset& dataset,
                                        const std::vector<std::int64_t>& lengths, std::uint64_t seed) {
  std::int64_t total = 0;
  for (std::int64_t length : lengths) {
    check(length >= 0, "random_split", "lengths must not be negative, got ", length);
    total += length;
  }
  check(total == dataset.size(), "random_split", "lengths sum to ", total, " but the dataset has ",
        dataset.size(), " examples");
  std::mt19937_64 generator = detail::make_generator(seed, 0);
  const std::vector<std::int64_t> order = detail::random_permutation(dataset.size(), generator);
  std::vector<TensorDataset> parts;
  parts.reserve(lengths.size());
  auto begin = order.begin();
  for (std::int64_t length : lengths) {
    std::vector<std::int64_t> indices(begin, begin + length);
    begin += length;
    parts.push_back(dataset.subset(tensor(indices)));
  }
  return parts;
}

TrainTestSplit train_test_split(const TensorDataset& dataset, double test_fraction, std::uint64_t seed) {
  check(test_fraction >= 0.0 && test_fraction <= 1.0, "train_test_split",
        "test_fraction must lie in [0, 1], got ", test_fraction);
  const auto n = static_cast<double>(dataset.size());
  // NOTE: the small slack keeps products such as 0.3 * 10 = 3.0000000000000004 from rounding up to 4.
  const auto test_size =
      std::clamp(static_cast<std::int64_t>(std::ceil(test_fraction * n - 1e-9 * std::max(n, 1.0))),
                 std::int64_t{0}, dataset.size());
  std::vector<TensorDataset> parts = random_split(dataset, {dataset.size() - test_size, test_size}, seed);
  return {std::move(parts[0]), std::move(parts[1])};
}

namespace detail {

std::mt19937_64 make_generator(std::uint64_t seed, std::uint64_t stream) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)};
  return std::mt19937_64(sequence);
}

std::vector<std::int64_t> random_permutation(std::int64_t n, std::mt19937_64& generator) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  for (std::int64_t i = n - 1; i > 0; --i) {
    // A uniform draw from [0, i] by rejection: accept only below the largest multiple of (i + 1).
    const auto range = static_cast<std::uint64_t>(i) + 1;
    const std::uint64_t limit = std::mt19937_64::max() - (std::mt19937_64::max() % range + 1) % range;
    std::uint64_t draw = generator();
    while (draw > limit) draw = generator();
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(draw % range)]);
  }
  return order;
}

}  // namespace detail

}  // namespace tg::data
