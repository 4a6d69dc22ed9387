#pragma once
// Embedding helpers of torch::nn::functional.
#include <tapegrad/autograd/ops/scatter.hpp>

namespace tg::nn::functional {

/// See tg::one_hot: int64 of shape tensor.shape + [num_classes] (-1: the largest class value + 1).
inline Tensor one_hot(const Tensor& tensor, std::int64_t num_classes = -1) {
  return tg::one_hot(tensor, num_classes);
}

}  // namespace tg::nn::functional
