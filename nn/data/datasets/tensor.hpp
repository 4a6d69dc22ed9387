#pragma once
// datasets::TensorDataset: the rows of one tensor as unlabelled examples (Example<Tensor, NoTarget>), as
// torch::data::datasets::TensorDataset. (tg::data::TensorDataset, outside this namespace, holds inputs and
// targets.)
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/nn/data/datasets/base.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data::datasets {

struct TensorDataset : public Dataset<TensorDataset, TensorExample> {
  /// The tensors stacked along a new first dim.
  explicit TensorDataset(const std::vector<Tensor>& tensors) : TensorDataset(tg::stack(tensors)) {}
  explicit TensorDataset(Tensor tensor) : tensor(std::move(tensor)) {}

  TensorExample get(std::size_t index) override { return tensor[static_cast<std::int64_t>(index)]; }
  std::optional<std::size_t> size() const override { return static_cast<std::size_t>(tensor.size(0)); }

  Tensor tensor;
};

}  // namespace tg::data::datasets

#pragma GCC visibility pop
