#pragma once
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

/// A table of num_embeddings rows of size embedding_dim, looked up by int64 indices of any shape;
/// the output has shape indices.shape + [embedding_dim]. Backward scatter-adds into the used rows.
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim);
  Tensor forward(const Tensor& indices);
  /// PyTorch's default: N(0, 1).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  std::int64_t num_embeddings;
  std::int64_t embedding_dim;
  Tensor weight;  // [num_embeddings, embedding_dim]
};

using Embedding = ModuleHolder<EmbeddingImpl>;

}  // namespace tg::nn
