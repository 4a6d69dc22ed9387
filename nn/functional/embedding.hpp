#pragma once
// Embedding lookups and one_hot of torch::nn::functional.
#include <tapegrad/autograd/ops/scatter.hpp>
#include <tapegrad/nn/options/embedding.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// Rows of weight [num_embeddings, dim] looked up by int64 indices of any shape: the output has shape
/// indices.shape + [dim]. With max_norm, the looked-up rows of weight are renormalized in place first.
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

/// See tg::one_hot: int64 of shape tensor.shape + [num_classes] (-1: the largest class value + 1).
inline Tensor one_hot(const Tensor& tensor, std::int64_t num_classes = -1) {
  return tg::one_hot(tensor, num_classes);
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
