#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/embedding.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn {

EmbeddingImpl::EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim)
    : num_embeddings(num_embeddings), embedding_dim(embedding_dim) {
  check(num_embeddings > 0 && embedding_dim > 0, "Embedding", "sizes must be positive, got ", num_embeddings,
        " and ", embedding_dim);
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() { init::normal_(weight); }

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  detail::check_defined("embedding", "indices", indices);
  check(indices.dtype() == kInt64, "embedding", "indices must be int64, got ", indices.dtype());
  const auto values = indices.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    check(values[i] >= 0 && values[i] < num_embeddings, "embedding", "index ", values[i], " at position ", i,
          " is outside [0, ", num_embeddings, ")");
  Shape out_sizes = indices.sizes();
  out_sizes.push_back(embedding_dim);
  return index_select(weight, 0, indices.reshape({-1})).reshape(out_sizes);
}

void EmbeddingImpl::pretty_print(std::ostream& out) const {
  out << "Embedding(num_embeddings=" << num_embeddings << ", embedding_dim=" << embedding_dim << ")";
}

}  // namespace tg::nn
