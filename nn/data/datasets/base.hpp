#pragma once
// The dataset interfaces of torch::data::datasets: BatchDataset (get_batch(request), size()), Dataset
// (get(index) for map-style datasets, with get_batch gathering single examples) and StreamDataset, each with
// .map(transform).
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapegrad/autograd/core/array_ref.hpp>
#include <tapegrad/nn/data/example.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data::datasets {

template <typename SourceDataset, typename AppliedTransform>
class MapDataset;

template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail
#pragma GCC visibility pop

/// A dataset that answers batch requests. A stateful one (BatchType is an optional) decides itself what it
/// returns and signals the end of an epoch with nullopt; a stateless one is indexed by its sampler.
template <typename Self, typename Batch = std::vector<Example<>>,
          typename BatchRequest = ArrayRef<std::size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  constexpr static bool is_stateful = detail::is_optional<BatchType>::value;

  virtual ~BatchDataset() = default;

  virtual Batch get_batch(BatchRequest request) = 0;
  /// The number of examples, or nullopt when unknown (streams).
  virtual std::optional<std::size_t> size() const = 0;

  /// This dataset with `transform` applied to every batch it returns.
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return datasets::map(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return datasets::map(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

/// A map-style dataset: implement get(index) and size(); get_batch returns get(i) for every requested index.
template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  virtual ExampleType get(std::size_t index) = 0;

  std::vector<ExampleType> get_batch(ArrayRef<std::size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (const std::size_t index : indices) batch.push_back(get(index));
    return batch;
  }
};

/// A dataset asked only for how many examples to produce next (samplers::StreamSampler requests).
template <typename Self, typename Batch = std::vector<Example<>>>
using StreamDataset = BatchDataset<Self, Batch, /*BatchRequest=*/std::size_t>;

}  // namespace tg::data::datasets

#pragma GCC visibility pop
