#pragma once
// MapDataset: a dataset whose batches pass through a transform (datasets::map(dataset, transform), or
// dataset.map(transform)).
#include <optional>
#include <type_traits>
#include <utility>

#include <tapegrad/nn/data/datasets/base.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data::datasets {

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
template <bool C, typename T>
using optional_if_t = std::conditional_t<C, std::optional<T>, T>;

// The batch a transform of `Dataset` receives: its BatchType, unwrapped from the optional of a stateful one.
template <typename Dataset, bool = Dataset::is_stateful>
struct source_batch {
  using type = typename Dataset::BatchType;
};
template <typename Dataset>
struct source_batch<Dataset, true> {
  using type = typename Dataset::BatchType::value_type;
};
}  // namespace detail
#pragma GCC visibility pop

template <typename SourceDataset, typename AppliedTransform>
class MapDataset
    : public BatchDataset<
          MapDataset<SourceDataset, AppliedTransform>,
          detail::optional_if_t<SourceDataset::is_stateful, typename AppliedTransform::OutputBatchType>,
          typename SourceDataset::BatchRequestType> {
 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using BatchRequestType = typename SourceDataset::BatchRequestType;
  using OutputBatchType =
      detail::optional_if_t<SourceDataset::is_stateful, typename AppliedTransform::OutputBatchType>;

  MapDataset(DatasetType dataset, TransformType transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  OutputBatchType get_batch(BatchRequestType indices) override {
    if constexpr (SourceDataset::is_stateful) {
      if (auto batch = dataset_.get_batch(std::move(indices)))
        return transform_.apply_batch(std::move(*batch));
      return std::nullopt;
    } else {
      return transform_.apply_batch(dataset_.get_batch(std::move(indices)));
    }
  }

  std::optional<std::size_t> size() const noexcept override { return dataset_.size(); }

  /// Resets a stateful source dataset.
  void reset() { dataset_.reset(); }

  const SourceDataset& dataset() noexcept { return dataset_; }
  const AppliedTransform& transform() noexcept { return transform_; }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform) {
  static_assert(std::is_same_v<typename detail::source_batch<DatasetType>::type,
                               typename TransformType::InputBatchType>,
                "BatchType type of dataset does not match input type of transform");
  return {std::move(dataset), std::move(transform)};
}

}  // namespace tg::data::datasets

#pragma GCC visibility pop
