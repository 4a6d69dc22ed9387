#pragma once
#include <tapegrad/nn/options/embedding.hpp>

namespace tg::nn::functional {

/// Rows of weight [num_embeddings, dim] looked up by int64 indices of any shape: the output has shape
/// indices.shape + [dim]. With max_norm, the looked-up rows of weight are renormalized in place first.
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

}  // namespace tg::nn::functional
